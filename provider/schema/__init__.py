"""The bottom layer: what a Ray cluster is, in our words and the service's.

The declared spec (``spec``: validation, outputs, secrets), the answer models derived from it (``models``), the
wire keys (``keys``), the property paths (``paths``), the value normalizers (``normalize``) and the exception tree
(``errors``). Imports nothing of the project above it and never Pulumi.
"""
