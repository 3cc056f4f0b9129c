"""The Pulumi face of the project: the ``RayCluster`` resource and its dynamic provider.

This module is thin glue. Validation lives in ``spec``, the diff in ``plan``, the API in ``api`` and the
steps of a create or update in ``lifecycle``; here we only translate between Pulumi's property bags and
those, and write the per-field diff lines to stderr (the engine shows them in the preview).
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Unpack

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic.alias_generators import to_snake

from provider.args import RayClusterArgs, RayClusterKeywordArgs
from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings
from provider.client.pacing import CONFIG_KEY as RATE_LIMIT_KEY
from provider.client.pacing import limits_from, shared_pacer
from provider.concurrency import widen_server_pool
from provider.core.capacity import Capacity, capacity_of
from provider.core.lifecycle import ClusterLifecycle, restart_due
from provider.core.plan import FieldChange, declared_view, plan_update, same_declaration, undeclared
from provider.reporting import planfile
from provider.schema import spec
from provider.schema.models import ClusterState, RayClusterDetail
from provider.schema.spec import DEFAULT_TIMEOUTS, Failure, RayClusterInputs, check_inputs

PROVIDER_KEY = "__provider"
#: Set to 1 to have each Diff also print what it ignored on purpose, and why.
EXPLAIN_ENV = "RAY_CLUSTERS_EXPLAIN"

# Stack config keys read in configure(): the names pulumi-alicloud users already have, plus our endpoint and
# network (`vpc` for the VPC endpoint emr-serverless-spark-vpc.<region>.aliyuncs.com).
CONFIG_KEYS = {
    "access_key_id": "alicloud:accessKey",
    "access_key_secret": "alicloud:secretKey",
    "security_token": "alicloud:securityToken",
    "region": "alicloud:region",
    "endpoint": "emr:endpoint",
    "network": "emr:network",
}

# Secret outputs: the provider wraps them as RPC secrets (which the engine keeps), and RayCluster also lists
# them in additional_secret_outputs, so either mechanism alone keeps them encrypted.
SECRET_OUTPUTS = list(spec.SECRET_OUTPUTS)


_INPUT_KEYS = frozenset(field.alias or name for name, field in RayClusterInputs.model_fields.items())


def settings_from_config(get: Callable[[str], Any]) -> ClientSettings:
    """Client settings from stack config keys (CONFIG_KEYS); unset keys fall back to the environment later."""
    values = {field: get(key) for field, key in CONFIG_KEYS.items()}
    return ClientSettings(**{field: value for field, value in values.items() if value not in (None, "")})


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def _contains_unknown(value: Any) -> bool:
    if _is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


def _input_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """The declared inputs inside a property bag (old outputs carry inputs plus read-only fields)."""
    return {key: value for key, value in props.items() if key in _INPUT_KEYS}


def _with_secret_inputs_wrapped(props: Mapping[str, Any]) -> dict[str, Any]:
    """Mark secret inputs (the Redis password) wherever we hand inputs back to the engine (outputs, refreshes)."""
    result = dict(props)
    for path in spec.SECRET_INPUT_PATHS:
        result = _wrapped_at(result, path)
    return result


def _wrapped_at(obj: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    head, *rest = path
    value = obj.get(head)
    if rest and isinstance(value, Mapping):
        return {**obj, head: _wrapped_at(value, tuple(rest))}
    if not rest and isinstance(value, str):
        return {**obj, head: rpc.wrap_rpc_secret(value)}
    return dict(obj)


def _invalid(failures: Sequence[Failure]) -> ValueError:
    reasons = "; ".join(f"{f.path}: {f.reason}" for f in failures) or "unknown values"
    return ValueError(f"invalid Ray cluster inputs: {reasons}")


def _parse(props: Mapping[str, Any]) -> RayClusterInputs:
    inputs, failures = check_inputs(_input_props(props))
    if inputs is None:
        raise _invalid(failures)
    return inputs


def _previous(olds: Mapping[str, Any]) -> RayClusterInputs | None:
    """The inputs of the last deployment, when they still validate (state written by an older version may not)."""
    inputs, _ = check_inputs(_input_props(olds))
    return inputs


def _outputs(props: Mapping[str, Any], cluster: RayClusterDetail) -> dict[str, Any]:
    """Every input (so that Diff and Update see them as olds) plus the read-only live fields.

    The nodes are counted per phase (``nodes``), not copied: Pulumi rewrites the whole state on every step, and a
    copy of each node made it grow by ~290 bytes per node (README: outputs).
    """
    live = cluster.to_api_dict()
    outs = _with_secret_inputs_wrapped(_input_props(props))
    for field in spec.LIVE_OUTPUTS:
        value = live.get(field)
        outs[field] = rpc.wrap_rpc_secret(value) if field in SECRET_OUTPUTS and value is not None else value
    phases = Counter(str(node.get("phase") or "Unknown") for node in live.get("instances") or [])
    outs["nodes"] = dict(sorted(phases.items()))
    return outs


def _label(inputs: Mapping[str, Any], cluster_id: str) -> str:
    name = inputs.get("name")
    return f"{name} ({cluster_id})" if isinstance(name, str) else cluster_id


def _listing(paths: Sequence[str]) -> str:
    """ "headSpec.env is" / "headSpec.env and workerSpec[cpu].rayStartParams are"."""
    if len(paths) == 1:
        return f"{paths[0]} is"
    return f"{', '.join(paths[:-1])} and {paths[-1]} are"


def _planned(
    label: str,
    name: Any,
    cluster_id: str | None,
    action: planfile.Action,
    changes: Sequence[FieldChange],
    before: Capacity | None,
    after: Capacity | None,
) -> None:
    """Say what a planned change does to capacity, and append its record to the plan file when one is asked for."""
    if action != "none":
        _say(f"{label}: {planfile.capacity_line(before, after)}")
    path = os.environ.get(planfile.PLAN_FILE_ENV)
    if not path:
        return
    entry = planfile.record(name if isinstance(name, str) else "(unknown)", cluster_id, action, changes, before, after)
    try:
        planfile.append(path, entry)
    except OSError as exc:  # a tooling problem must not fail the preview; say it instead
        _say(f"{label}: cannot append to the plan file {path}: {exc.strerror or exc}")


def _explaining() -> bool:
    """RAY_CLUSTERS_EXPLAIN=1 in the environment of `pulumi preview`/`up` (the provider process inherits it)."""
    return os.environ.get(EXPLAIN_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _say(line: str) -> None:
    # The engine shows a dynamic provider's stderr lines under the stack's row (pulumi:pulumi:Stack) in
    # Diagnostics, not under the resource: hence every line names its cluster and id.
    # One write per line: print() writes text and newline separately, and parallel diffs would interleave.
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class RayClusterProvider(ResourceProvider):
    """Dynamic provider for EMR Serverless Spark Ray clusters.

    It holds no state when pickled into ``__provider``: credentials, region and endpoint are read in
    ``configure()`` inside the provider process, and the HTTP client is built on first use.
    """

    # Nothing secret is captured when pickling, so the provider need not be encrypted in every resource.
    serialize_as_secret_always = False

    def __getstate__(self) -> dict[str, Any]:
        # Nothing is pickled: the settings, the lock and the HTTP client exist only in the provider process.
        return {}

    # -- configuration ---------------------------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        self._settings = settings_from_config(req.config.get)
        # The account's API quota: stack config, else the provider's environment, else the default (pacing.py).
        # A value that cannot be read fails here, in one line naming the key, before any call is made.
        shared_pacer().configure(limits_from(req.config.get(RATE_LIMIT_KEY)))

    def _lifecycle(self) -> ClusterLifecycle:
        lock = self.__dict__.setdefault("_lock", threading.Lock())
        with lock:
            lifecycle: ClusterLifecycle | None = self.__dict__.get("_cached_lifecycle")
            if lifecycle is None:
                # The one call site: the first call that talks to the API, on one of the server's threads.
                widen_server_pool()
                settings = self.__dict__.get("_settings") or ClientSettings()
                lifecycle = ClusterLifecycle(RayClusterApi.from_settings(settings), _say)
                self._cached_lifecycle = lifecycle
            return lifecycle

    # -- engine operations -----------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY and k not in spec.OUTPUTS}
        declared, failures = check_inputs(props, is_unknown=_is_unknown)
        if not olds and not failures:
            # Empty old inputs: a cluster about to be created (Diff is never called for a create). No API call.
            after = capacity_of(declared.api_body()) if declared is not None else None
            _planned(_label(props, "new"), props.get("name"), None, "create", (), None, after)
        # Checked inputs are what the engine stores: a password given in plain text is stored as a secret.
        return CheckResult(_with_secret_inputs_wrapped(news), [CheckFailure(f.path, f.reason) for f in failures])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old_inputs, new_inputs = _input_props(olds), _input_props(news)
        label = _label(new_inputs, id_)
        replaces = self._replaced_keys(id_, old_inputs, new_inputs)
        declared, failures = check_inputs(new_inputs, is_unknown=_is_unknown)
        if declared is None:
            if failures:  # Check refused these inputs already; the engine never diffs them
                raise _invalid(failures)
            unknown = sorted(k for k, v in new_inputs.items() if _contains_unknown(v))
            _say(f"{label}: {', '.join(unknown)} known only after apply")
            _planned(label, new_inputs.get("name"), id_, "replace" if replaces else "update", (), None, None)
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        if replaces:
            _say(f"{label}: {', '.join(replaces)} changed: the cluster will be replaced")
            last = _previous(olds)  # no API call here: the cluster being replaced as last declared
            before = capacity_of(last.api_body()) if last is not None else None
            _planned(label, declared.name, id_, "replace", (), before, capacity_of(declared.api_body()))
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)

        live = self._lifecycle().get(declared.workspace_id, id_)
        if live is None:
            _say(f"{label}: the cluster no longer exists (deleted outside Pulumi); it will be created again")
            _planned(label, declared.name, id_, "replace", (), None, capacity_of(declared.api_body()))
            return DiffResult(changes=True, replaces=["clusterId"], delete_before_replace=True)
        # The common case (no code change) needs no second validation.
        previous = declared if old_inputs == new_inputs else _previous(olds)
        live_body = live.to_api_dict()
        plan = plan_update(declared, live_body, previous)
        for change in plan.changes:
            _say(f"{label}: {change.describe()}")  # describe() never shows env or password values
        if plan.unreported:
            unreported = _listing(plan.unreported)
            _say(f"{label}: {unreported} not reported by the service; compared with the last applied value")
        if _explaining():
            for item in (*plan.ignored, *undeclared(declared, live_body)):
                _say(f"{label}: {item.describe()}")
        run_state_change = self._run_state_note(label, declared, live)
        # Inputs that tell the service the same thing however they are spelled (groups reordered, "8192Mi" for
        # "8Gi", extraParam reformatted) are no change: the engine takes a "same" step, which records the new
        # inputs and keeps the old outputs. The inputs echoed in those outputs are then the old spelling of the
        # same declaration, and stay right because every later Diff and Update reads them through this same
        # normalized view. A changed option (timeouts, restart policy...) is an update with no API write, so
        # that the option reaches the outputs; so are inputs the live cluster already matches.
        inputs_changed = previous is None or not same_declaration(previous, declared)
        changed = not plan.empty or run_state_change or inputs_changed
        before, after = capacity_of(live_body), capacity_of(plan.after)
        _planned(label, declared.name, id_, "update" if changed else "none", plan.changes, before, after)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = _parse(props)
        cluster = self._lifecycle().create(inputs)
        return CreateResult(cluster.cluster_id, _outputs(props, cluster))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outcome = self._lifecycle().update(id_, _parse(news), _previous(olds))
        return UpdateResult(_outputs(news, outcome.cluster))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        old_inputs = _input_props(props)
        workspace_id = old_inputs.get("workspaceId")
        if not isinstance(workspace_id, str):
            raise ValueError(f"{id_}: cannot read a cluster without its workspaceId in state")
        cluster = self._lifecycle().get(workspace_id, id_)
        if cluster is None:
            return ReadResult("", {})
        like = _previous(props)
        inputs = dict(old_inputs)
        if like is not None:
            inputs.update(declared_view(cluster.to_api_dict(), like))
        return ReadResult(id_, _outputs(inputs, cluster), _with_secret_inputs_wrapped(inputs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Only the workspace and the delete timeout are needed: state whose other inputs no longer validate
        # (written by an older version) must still be destroyable.
        inputs = _previous(props)
        workspace_id = inputs.workspace_id if inputs else props.get("workspaceId")
        if not isinstance(workspace_id, str) or not workspace_id:
            raise ValueError(f"{id_}: cannot delete a cluster without its workspaceId in state")
        timeout = inputs.timeouts.delete if inputs else DEFAULT_TIMEOUTS["delete"]
        self._lifecycle().delete(workspace_id, id_, timeout)

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _replaced_keys(id_: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
        keys = []
        if old.get("workspaceId") != new.get("workspaceId"):
            keys.append("workspaceId")
        adopt = new.get("adoptClusterId")
        if adopt and not _is_unknown(adopt) and adopt != id_:
            keys.append("adoptClusterId")
        return keys

    @staticmethod
    def _run_state_note(label: str, declared: RayClusterInputs, live: RayClusterDetail) -> bool:
        """Report a run state that differs from the declared one; True when the update must act on it."""
        desired = declared.desired_state
        if restart_due(declared, live):
            if live.state == ClusterState.RUNNING:
                pending = "configuration changes are pending (modified)"
                _say(f"{label}: ~ restart: {pending}; restartOnPendingChanges restarts")
            else:
                _say(
                    f"{label}: ~ state {live.state} -> Running: a restart to apply pending changes was cut short "
                    "after its Stop; it will be finished (set desiredState: Stopped to keep the cluster stopped)"
                )
            return True
        if desired is not None and live.state in (ClusterState.RUNNING, ClusterState.STOPPED) and live.state != desired:
            _say(f"{label}: ~ state {live.state} -> {desired}")
            return True
        if desired is None and live.state == ClusterState.STOPPED:
            _say(f"{label}: the cluster is Stopped (not managed: set desiredState to start it)")
        if live.state == ClusterState.ERROR:
            _say(f"{label}: the cluster is in state Error: {live.message or 'no message'}")
        return False


_SNAKE_OUTPUTS = {name: to_snake(name) for name in spec.OUTPUTS}

# The provider object is stateless when pickled, so every resource shares one (and one provider-process cache).
_PROVIDER = RayClusterProvider()


class RayCluster(pulumi.dynamic.Resource, module="emr", name="RayCluster"):
    """An EMR Serverless Spark Ray cluster, kept equal to its declaration by minimal UpdateRayCluster calls.

    Outputs keep the API's camelCase names in state (``clusterId``, ``jobUrl``...); the snake_case attributes
    below read them, so that nested values such as the phases in ``nodes`` are never renamed.
    """

    cluster_id: pulumi.Output[str]
    state: pulumi.Output[str]
    modified: pulumi.Output[bool]
    message: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]
    job_url: pulumi.Output[str]
    job_url_inner: pulumi.Output[str]
    grpc_endpoint: pulumi.Output[str]
    submit_token: pulumi.Output[str]
    create_time: pulumi.Output[float]
    modified_time: pulumi.Output[float]
    nodes: pulumi.Output[dict[str, int]]

    def __init__(
        self,
        resource_name: str,
        args: RayClusterArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Unpack[RayClusterKeywordArgs],
    ) -> None:
        """``RayCluster(name, RayClusterArgs(...), opts)`` or ``RayCluster(name, workspace_id=..., ..., opts=opts)``.

        One signature rather than Pulumi's two overloads: mypy reports a misspelled key of ``head_spec={...}``
        by name only when the call has a single signature to check it against.
        """
        props = _resolved(resource_name, args, kwargs).to_props()
        for field in spec.OUTPUTS:
            props.setdefault(field, None)
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(_PROVIDER, resource_name, props, pulumi.ResourceOptions.merge(secret, opts))


def _resolved(resource_name: str, args: RayClusterArgs | None, kwargs: Mapping[str, Any]) -> RayClusterArgs:
    """The one RayClusterArgs of a call: the object given, or one made of the keyword arguments."""
    if args is None and not kwargs:
        raise TypeError(f"RayCluster({resource_name!r}) needs a RayClusterArgs or keyword arguments (workspace_id=...)")
    if args is None:
        return RayClusterArgs.from_props(kwargs)
    if kwargs:
        raise TypeError(f"RayCluster({resource_name!r}): give a RayClusterArgs or keyword arguments, not both")
    if not isinstance(args, RayClusterArgs):
        raise TypeError(f"RayCluster({resource_name!r}): args must be a RayClusterArgs, got {type(args).__name__}")
    return args


def _output_reader(camel: str) -> property:
    return property(lambda self: getattr(self, camel), doc=f"The ``{camel}`` output.")


for _camel, _snake in _SNAKE_OUTPUTS.items():
    if _snake != _camel:
        setattr(RayCluster, _snake, _output_reader(_camel))
