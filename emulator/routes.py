"""The route table of the seven Ray-cluster operations: one source for the gateway and the FastAPI app."""

from __future__ import annotations

import re
from dataclasses import dataclass

API_VERSION = "2023-08-08"
_BASE = "/api/v1/workspaces/{workspaceId}/rayCluster"


@dataclass(frozen=True)
class Route:
    action: str
    method: str
    template: str

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        return re.compile(f"^{regex}$")


ROUTES: tuple[Route, ...] = (
    Route("CreateRayCluster", "POST", _BASE),
    Route("ListRayCluster", "GET", _BASE),
    Route("GetRayCluster", "GET", _BASE + "/{clusterId}"),
    Route("UpdateRayCluster", "POST", _BASE + "/{clusterId}"),
    Route("DeleteRayCluster", "DELETE", _BASE + "/{clusterId}"),
    Route("StartRayCluster", "POST", _BASE + "/{clusterId}/start"),
    Route("StopRayCluster", "POST", _BASE + "/{clusterId}/stop"),
)
ACTIONS: frozenset[str] = frozenset(r.action for r in ROUTES)
_COMPILED = [(r, r.pattern) for r in ROUTES]


def resolve(method: str, path: str) -> Route | None:
    """The operation a method + decoded path addresses, or None (-> InvalidApi.NotFound)."""
    for route, pattern in _COMPILED:
        if route.method == method and pattern.match(path):
            return route
    return None
