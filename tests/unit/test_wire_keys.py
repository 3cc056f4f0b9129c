"""The wire keys (provider.schema.keys) are the schema's own names: a renamed field cannot leave one stale."""

from __future__ import annotations

from pydantic import BaseModel

from provider.schema import keys
from provider.schema.spec import API_FIELDS, GftConfig, HeadSpec, RayClusterInputs, WorkerGroup

# Where each key is declared; a key shared by headSpec and the worker groups is in both.
DECLARED_IN: dict[str, tuple[type[BaseModel], ...]] = {
    "WORKSPACE_ID": (RayClusterInputs,),
    "NAME": (RayClusterInputs,),
    "DESCRIPTION": (RayClusterInputs,),
    "DISPLAY_RELEASE_VERSION": (RayClusterInputs, HeadSpec, WorkerGroup),
    "NETWORK_SERVICE_NAME": (RayClusterInputs,),
    "HEAD_SPEC": (RayClusterInputs,),
    "WORKER_SPEC": (RayClusterInputs,),
    "VOLUME_IDS": (RayClusterInputs,),
    "EXTRA_PARAM": (RayClusterInputs,),
    "ADOPT_CLUSTER_ID": (RayClusterInputs,),
    "TIMEOUTS": (RayClusterInputs,),
    "OWNER": (RayClusterInputs,),
    "OWNER_ALIASES": (RayClusterInputs,),
    "CPU": (HeadSpec, WorkerGroup),
    "MEMORY": (HeadSpec, WorkerGroup),
    "GPU_SPEC": (HeadSpec, WorkerGroup),
    "ENV": (HeadSpec, WorkerGroup),
    "ENABLE_AUTO_SCALING": (HeadSpec,),
    "IDLE_TIMEOUT_SECONDS": (HeadSpec,),
    "GFT_ENABLED": (HeadSpec,),
    "GFT_CONFIG": (HeadSpec,),
    "GROUP_NAME": (WorkerGroup,),
    "REPLICA": (WorkerGroup,),
    "MIN_REPLICA": (WorkerGroup,),
    "MAX_REPLICA": (WorkerGroup,),
    "REDIS_PASSWORD": (GftConfig,),
}


def _aliases(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def test_every_wire_key_is_an_alias_of_the_models_that_declare_it() -> None:
    assert set(keys.__all__) == set(DECLARED_IN), "keys.py and this table list different constants"
    for constant, models in DECLARED_IN.items():
        for model in models:
            assert getattr(keys, constant) in _aliases(model), f"{constant} is not a field of {model.__name__}"


def test_the_api_fields_are_spelled_with_the_wire_keys() -> None:
    assert set(API_FIELDS) <= {getattr(keys, constant) for constant in keys.__all__}
