"""The bottom layer: what a Ray cluster is, in our words and the service's.

The declared spec (validation, normalization, outputs, secrets), the answer models derived from it, the value
normalizers, the property paths and the exception tree. Imports nothing of the project above it and never Pulumi.
"""
