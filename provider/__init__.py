"""Declarative EMR Serverless Spark Ray clusters for Pulumi.

The pure core (``spec``, ``plan``, ``api``, ``waiter``) never imports Pulumi, so importing it is cheap and it
can later back a native provider too. The Pulumi-facing names are loaded lazily on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provider.args import (
        GftConfigArgs,
        GftConfigArgsDict,
        HeadSpecArgs,
        HeadSpecArgsDict,
        RayClusterArgsDict,
        TimeoutsArgs,
        TimeoutsArgsDict,
        WorkerGroupArgs,
        WorkerGroupArgsDict,
    )
    from provider.resource import RayCluster, RayClusterArgs, RayClusterProvider

#: The resource (provider/resource.py) and its typed inputs (generated from the schema: provider/args.py).
__all__ = [
    "GftConfigArgs",
    "GftConfigArgsDict",
    "HeadSpecArgs",
    "HeadSpecArgsDict",
    "RayCluster",
    "RayClusterArgs",
    "RayClusterArgsDict",
    "RayClusterProvider",
    "TimeoutsArgs",
    "TimeoutsArgsDict",
    "WorkerGroupArgs",
    "WorkerGroupArgsDict",
]


def __getattr__(name: str) -> Any:
    # PEP 562: `from provider import RayCluster` imports Pulumi only when someone asks for it.
    if name in __all__:
        from provider import args, resource

        return getattr(resource if hasattr(resource, name) else args, name)
    raise AttributeError(f"module 'provider' has no attribute {name!r}")
