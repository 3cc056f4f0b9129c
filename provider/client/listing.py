"""The workspace's listing, shared by the creates of one provider process: one sweep in flight per workspace.

Before every CreateRayCluster the lifecycle looks the name up (ListRayCluster has no name filter: every page).
Run by each create on its own, N creates into a workspace of M clusters cost N x ceil(M / 100) calls; here the
creates that ask while a sweep runs share the next one.

**Why a caller only takes a sweep that begins after it asked.** The lookup must see a cluster created a moment
before, by this process or by another one. The API does not document the order of ListRayCluster (the emulator
lists oldest first), so no page can be trusted to hold the newest clusters: any page of a sweep begun earlier may
have been read before such a cluster existed, and only a whole sweep read afterwards is sure to include it. A sweep
reads its pages forward, so a cluster inserted anywhere while it runs moves only towards pages not read yet, and a
cluster that existed when the sweep began is on some page it reads (pages re-read from an older sweep would not
give that). Callers therefore join the *pending* sweep, the one that has not sent its first page.

**When the pending sweep begins.** When the running one has ended and as many callers wait for it as it will read
pages (it then costs at most one call per create), or ``GATHER_SECONDS`` later at the most. So N creates cost at
most N + ceil(M / 100) calls when they come faster than one per ``GATHER_SECONDS``; creates that come one by one,
further apart, still need a sweep each (nothing less is sure to show a cluster made a moment before).

**This process's own creates** are recorded as well (``record``): a sweep that does not show one of them says so
(``Listing.unlisted_own``), and the caller asks GetRayCluster whether the service's listing lags or the cluster was
deleted meanwhile (then ``forget`` it). Errors of a sweep (after the client's retries) are raised to every caller
that waited for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from provider.client.retry import operation_deadline, operation_time_left
from provider.schema.models import RayClusterSummary

#: The longest a sweep waits for more callers to share it (a create then waits minutes for its cluster anyway).
GATHER_SECONDS = 2.0
#: The page size of ``list_all`` (``RayClusterApi.list``'s default): how many pages the next sweep will read.
PAGE_SIZE = 100


@dataclass
class _Sweep:
    """One pass over every page of a workspace; callers join it until it begins."""

    #: The longest time left of the operations waiting for it (None: none is in an operation).
    budget: float | None = None
    callers: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    found: list[RayClusterSummary] = field(default_factory=list)
    error: BaseException | None = None

    def join(self, time_left: float | None) -> None:
        self.callers += 1
        if time_left is not None:
            self.budget = time_left if self.budget is None else max(self.budget, time_left)

    def outcome(self) -> list[RayClusterSummary]:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.found


@dataclass(frozen=True)
class Listing:
    """What a sweep found, and this process's own creates it did not show (listing lag, or deleted since)."""

    listed: list[RayClusterSummary]
    unlisted_own: list[RayClusterSummary]

    def named(self, name: str) -> Listing:
        return Listing(
            [summary for summary in self.listed if summary.name == name],
            [summary for summary in self.unlisted_own if summary.name == name],
        )


@dataclass
class _Workspace:
    running: _Sweep | None = None
    pending: _Sweep | None = None
    own: dict[str, RayClusterSummary] = field(default_factory=dict)
    #: Pages the last sweep read: about what the next one costs.
    pages: int = 1


@dataclass
class _NameLock:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class SharedListing:
    """``clusters(workspace)``: every cluster, from a sweep begun after the call; thread-safe.

    ``list_all(workspace_id)`` is one full sweep (``RayClusterApi.list``: ListRayCluster page by page, ``PAGE_SIZE``
    a page). ``gather`` bounds how long a sweep waits for callers to share it (see the module doc).
    """

    def __init__(self, list_all: Callable[[str], Iterable[RayClusterSummary]], gather: float = GATHER_SECONDS) -> None:
        self._list_all = list_all
        self._gather = gather
        self._lock = threading.Lock()
        self._joined = threading.Condition(self._lock)
        self._workspaces: dict[str, _Workspace] = {}
        self._names: dict[tuple[str, str], _NameLock] = {}

    def clusters(self, workspace_id: str) -> Listing:
        """The workspace's clusters as a sweep begun after this call saw them, and this process's unlisted creates."""
        with self._lock:
            workspace = self._workspaces.setdefault(workspace_id, _Workspace())
            sweep, previous = workspace.pending, workspace.running
            leads = sweep is None
            if sweep is None:
                sweep = workspace.pending = _Sweep()
            sweep.join(operation_time_left())
            self._joined.notify_all()
        if leads:
            self._run(workspace_id, workspace, sweep, previous)
        found = sweep.outcome()
        listed = _ids(found)
        with self._lock:
            own = [summary for cluster_id, summary in workspace.own.items() if cluster_id not in listed]
        return Listing(found, own)

    def waiting(self, workspace_id: str) -> int:
        """How many callers wait for the workspace's next sweep, the one not begun yet (for tests and diagnostics)."""
        with self._lock:
            workspace = self._workspaces.get(workspace_id)
            pending = workspace.pending if workspace else None
            return pending.callers if pending else 0

    def _run(self, workspace_id: str, workspace: _Workspace, sweep: _Sweep, previous: _Sweep | None) -> None:
        """Wait for the running sweep and for callers to share this one, then close it to newcomers and read every
        page."""
        if previous is not None:
            previous.done.wait()
        with self._joined:
            self._joined.wait_for(lambda: sweep.callers >= workspace.pages, timeout=self._gather)
            workspace.pending, workspace.running = None, sweep
            budget = sweep.budget
        try:
            with operation_deadline(budget) if budget is not None else nullcontext():
                sweep.found = list(self._list_all(workspace_id))
            with self._lock:
                workspace.pages = len(sweep.found) // PAGE_SIZE + 1
        except BaseException as exc:  # handed to every caller of this sweep, this one included
            sweep.error = exc
        finally:
            sweep.done.set()

    def record(self, workspace_id: str, summary: RayClusterSummary) -> None:
        """A cluster this process just created: in every later answer, listed or not, until ``forget``."""
        if summary.cluster_id:
            with self._lock:
                self._workspaces.setdefault(workspace_id, _Workspace()).own[summary.cluster_id] = summary

    def forget(self, workspace_id: str, cluster_id: str) -> None:
        """A cluster this process deleted, or found gone, is no longer one of its own creates."""
        with self._lock:
            workspace = self._workspaces.get(workspace_id)
            if workspace is not None:
                workspace.own.pop(cluster_id, None)

    @contextmanager
    def reserved(self, workspace_id: str, name: str) -> Iterator[None]:
        """One lookup-then-create per name at a time in this process: the second sees the first one's record."""
        key = (workspace_id, name)
        with self._lock:
            entry = self._names.setdefault(key, _NameLock())
            entry.users += 1
        try:
            with entry.lock:
                yield
        finally:
            with self._lock:
                entry.users -= 1
                if entry.users == 0:
                    del self._names[key]


def _ids(summaries: Iterable[RayClusterSummary]) -> set[str]:
    return {summary.cluster_id for summary in summaries if summary.cluster_id}


__all__ = ["GATHER_SECONDS", "PAGE_SIZE", "Listing", "SharedListing"]
