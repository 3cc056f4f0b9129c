"""Which clusters of a workspace bear a name: the lookup before every create and the search after an ambiguous one.

The listing is shared by every create of the provider process (``client/listing.py``: one sweep per workspace at a
time, each caller answered by a sweep that began after it asked). The clusters this process created are recorded
there too; one that a later sweep does not show is asked for with GetRayCluster, which tells a listing that lags
(it still counts) from a cluster deleted meanwhile (forgotten). Creates of one name are serialized (``reserved``), so
that the second one's lookup sees the first one's cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from provider.client.listing import SharedListing
from provider.schema.models import ClusterState, RayClusterDetail, RayClusterSummary

#: GetRayCluster of one cluster: None when the service says it does not exist.
Get = Callable[[str, str], RayClusterDetail | None]


class Namesakes:
    """The namesakes of a cluster to create, from the process's shared listing of its workspace."""

    def __init__(self, list_all: Callable[[str], Iterable[RayClusterSummary]], get: Get) -> None:
        self._listing = SharedListing(list_all)
        self._get = get

    def reserved(self, workspace_id: str, name: str) -> AbstractContextManager[None]:
        """Hold while looking ``name`` up and creating it: the next create of that name waits, then sees it."""
        return self._listing.reserved(workspace_id, name)

    def of(self, workspace_id: str, name: str) -> list[RayClusterSummary]:
        """The workspace's clusters named ``name``, as a listing begun after this call shows them, and this process's
        own creates of that name that still exist."""
        listing = self._listing.clusters(workspace_id).named(name)
        found = list(listing.listed)
        for own in listing.unlisted_own:
            if own.cluster_id and self._get(workspace_id, own.cluster_id) is not None:
                found.append(own)  # the service's listing lags behind
            elif own.cluster_id:
                self._listing.forget(workspace_id, own.cluster_id)  # deleted meanwhile
        return found

    def record(self, workspace_id: str, name: str, cluster_id: str, sent_at_ms: int) -> str:
        """This process created ``cluster_id``: part of every later answer until it is deleted. Returns the id."""
        starting = ClusterState.STARTING
        self._listing.record(
            workspace_id, RayClusterSummary(cluster_id=cluster_id, name=name, create_time=sent_at_ms, state=starting)
        )
        return cluster_id

    def forget(self, workspace_id: str, cluster_id: str) -> None:
        """This process deleted ``cluster_id``."""
        self._listing.forget(workspace_id, cluster_id)


__all__ = ["Get", "Namesakes"]
