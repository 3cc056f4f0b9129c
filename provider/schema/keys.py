"""The property names that code looks values up by, spelled once: the wire keys of the one schema.

Each constant is the camelCase name of a field of ``spec``'s models (the API's own name, used in requests,
answers, state and stack files). Code that walks an API-shaped dict (the plan, capacity, the request log, the
stack tools) imports these instead of writing the text again; tests/unit/test_wire_keys.py checks that each one
is still an alias of the model it names, so a renamed field cannot leave a stale spelling behind. Names that
appear only in a message, or only in the model that declares them, are not repeated here.
"""

from __future__ import annotations

# -- the cluster (spec.RayClusterInputs) --------------------------------------------------------------------
WORKSPACE_ID = "workspaceId"
NAME = "name"
DESCRIPTION = "description"
DISPLAY_RELEASE_VERSION = "displayReleaseVersion"
NETWORK_SERVICE_NAME = "networkServiceName"
HEAD_SPEC = "headSpec"
WORKER_SPEC = "workerSpec"
VOLUME_IDS = "volumeIds"
EXTRA_PARAM = "extraParam"
# Provider options: declared like the API's fields, never sent to the API.
ADOPT_CLUSTER_ID = "adoptClusterId"
TIMEOUTS = "timeouts"
# The resource's identity (the owner mark, ``schema/owner.py``): inputs, never compared.
OWNER = "owner"
OWNER_ALIASES = "ownerAliases"

# -- inside headSpec (spec.HeadSpec) and a worker group (spec.WorkerGroup) ----------------------------------
CPU = "cpu"
MEMORY = "memory"
GPU_SPEC = "gpuSpec"
ENV = "env"
ENABLE_AUTO_SCALING = "enableAutoScaling"
IDLE_TIMEOUT_SECONDS = "idleTimeoutSeconds"
GFT_ENABLED = "gftEnabled"
GFT_CONFIG = "gftConfig"
GROUP_NAME = "groupName"
REPLICA = "replica"
MIN_REPLICA = "minReplica"
MAX_REPLICA = "maxReplica"

# -- inside headSpec.gftConfig (spec.GftConfig) -------------------------------------------------------------
REDIS_PASSWORD = "redisPassword"  # noqa: S105 - a property name, not a password

__all__ = [
    "ADOPT_CLUSTER_ID",
    "CPU",
    "DESCRIPTION",
    "DISPLAY_RELEASE_VERSION",
    "ENABLE_AUTO_SCALING",
    "ENV",
    "EXTRA_PARAM",
    "GFT_CONFIG",
    "GFT_ENABLED",
    "GPU_SPEC",
    "GROUP_NAME",
    "HEAD_SPEC",
    "IDLE_TIMEOUT_SECONDS",
    "MAX_REPLICA",
    "MEMORY",
    "MIN_REPLICA",
    "NAME",
    "NETWORK_SERVICE_NAME",
    "OWNER",
    "OWNER_ALIASES",
    "REDIS_PASSWORD",
    "REPLICA",
    "TIMEOUTS",
    "VOLUME_IDS",
    "WORKER_SPEC",
    "WORKSPACE_ID",
]
