"""The plan file (one JSON record per planned cluster) and the report rendered from it (``python -m
provider.report``). Imports ``provider.schema`` and ``provider.core``; never Pulumi.
"""
