"""The Pulumi face of the project: the ``RayCluster`` resource and its dynamic provider.

The provider translates between Pulumi's property bags and the Pulumi-free core: validation is
``schema.spec``, a Diff's whole conclusion is ``core.decision`` (rendered here to stderr, where the engine shows
it, and to the plan file), and the steps of a create, update or delete are ``core.lifecycle``. Credentials and
the HTTP client live only in the provider process (``configure`` and ``_lifecycle``), never in state.

This module's path is frozen: users' state pickles ``provider.resource.RayClusterProvider``.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Unpack

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
from provider.client.credentials import ClientSettings, region_from_env
from provider.client.pacing import CONFIG_KEY as RATE_LIMIT_KEY
from provider.client.pacing import limits_from, shared_pacer
from provider.concurrency import widen_server_pool
from provider.core.decision import Decision, decide, decide_create, input_props, parsed, previous_inputs
from provider.core.lifecycle import ClusterLifecycle
from provider.core.plan import declared_view
from provider.core.pricing import CURRENCY_KEY, PRICE_KEY, Price, price_for
from provider.reporting import planfile
from provider.schema import spec
from provider.schema.errors import EmrError, InvalidInputsError
from provider.schema.models import RayClusterDetail
from provider.schema.spec import DEFAULT_TIMEOUTS, check_inputs

T = TypeVar("T")
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


def settings_from_config(get: Callable[[str], Any]) -> ClientSettings:
    """Client settings from stack config keys (CONFIG_KEYS); unset keys fall back to the environment later."""
    values = {field: get(key) for field, key in CONFIG_KEYS.items()}
    return ClientSettings(**{field: value for field, value in values.items() if value not in (None, "")})


def price_from_config(get: Callable[[str], Any], region: str | None) -> Price | None:
    """The price per CU-hour for the plan's cost (``<project>:cuHourPrice``, else the region's list price)."""
    project = os.environ.get("PULUMI_PROJECT") or "ray-clusters"  # the engine sets it for every plugin
    region = region or region_from_env()
    return price_for(region, get(f"{project}:{PRICE_KEY}"), get(f"{project}:{CURRENCY_KEY}"))


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


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


def _outputs(props: Mapping[str, Any], cluster: RayClusterDetail) -> dict[str, Any]:
    """Every input (so that Diff and Update see them as olds) plus the read-only live fields.

    The nodes are counted per phase (``nodes``), not copied: Pulumi rewrites the whole state on every step, and a
    copy of each node made it grow by ~290 bytes per node (README: outputs).
    """
    live = cluster.to_api_dict()
    outs = _with_secret_inputs_wrapped(input_props(props))
    for field in spec.LIVE_OUTPUTS:
        value = live.get(field)
        outs[field] = rpc.wrap_rpc_secret(value) if field in SECRET_OUTPUTS and value is not None else value
    phases = Counter(str(node.get("phase") or "Unknown") for node in live.get("instances") or [])
    outs["nodes"] = dict(sorted(phases.items()))
    return outs


def _one_line_errors(operation: Callable[..., T]) -> Callable[..., T]:
    """An error of ours reaches the engine as its own message under a short traceback.

    The SDK's server sends ``traceback.format_exc()`` as the error text, chained causes included (about 100
    lines for a refused connection). Our errors already carry what the cause said (code, message, request id),
    so they are raised again from here, with neither their inner frames nor their causes; their message is the
    last line, whole. Anything else (a bug) keeps its whole traceback.
    """

    @functools.wraps(operation)
    def run(self: Any, *args: Any) -> T:
        try:
            return operation(self, *args)
        except EmrError as exc:
            raise exc.with_traceback(None) from None

    return run


def _explaining() -> bool:
    """RAY_CLUSTERS_EXPLAIN=1 in the environment of `pulumi preview`/`up` (the provider process inherits it)."""
    return os.environ.get(EXPLAIN_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _say(line: str) -> None:
    # The engine shows a dynamic provider's stderr lines under the stack's row (pulumi:pulumi:Stack) in
    # Diagnostics, not under the resource: hence every line names its cluster and id.
    # One write per line: print() writes text and newline separately, and parallel diffs would interleave.
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _render(decision: Decision) -> None:
    """Say the decision's lines and append its record to the plan file when one is asked for."""
    for line in decision.lines:
        _say(line)
    path = os.environ.get(planfile.PLAN_FILE_ENV)
    if not path:
        return
    try:
        planfile.append(path, decision.record)
    except OSError as exc:  # a tooling problem must not fail the preview; say it instead
        _say(f"{decision.label}: cannot append to the plan file {path}: {exc.strerror or exc}")


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
        self._price = price_from_config(req.config.get, self._settings.region)
        # The account's API quota: stack config, else the provider's environment, else the default (pacing.py).
        # A value that cannot be read fails here, in one line naming the key, before any call is made.
        shared_pacer().configure(limits_from(req.config.get(RATE_LIMIT_KEY)))

    def _lifecycle(self) -> ClusterLifecycle:
        built: ClusterLifecycle | None = self.__dict__.get("_cached_lifecycle")
        if built is not None:  # every call after the first: no lock for 64 threads to queue on
            return built
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

    @_one_line_errors
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY and k not in spec.OUTPUTS}
        declared, failures = check_inputs(props, is_unknown=_is_unknown)
        if not olds and not failures:
            # Empty old inputs: a cluster about to be created (Diff is never called for a create). No API call.
            _render(decide_create(props, declared, self.__dict__.get("_price")))
        # Checked inputs are what the engine stores: a password given in plain text is stored as a secret.
        return CheckResult(_with_secret_inputs_wrapped(news), [CheckFailure(f.path, f.reason) for f in failures])

    @_one_line_errors
    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        decision = decide(
            id_,
            olds,
            news,
            is_unknown=_is_unknown,
            read_live=lambda workspace_id: self._lifecycle().get(workspace_id, id_),
            explain=_explaining(),
            price=self.__dict__.get("_price"),
        )
        _render(decision)
        return DiffResult(
            changes=decision.changed,
            replaces=list(decision.replaces),
            delete_before_replace=decision.delete_before_replace,
        )

    @_one_line_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        cluster = self._lifecycle().create(parsed(props))
        return CreateResult(cluster.cluster_id, _outputs(props, cluster))

    @_one_line_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outcome = self._lifecycle().update(id_, parsed(news), previous_inputs(olds))
        return UpdateResult(_outputs(news, outcome.cluster))

    @_one_line_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        old_inputs = input_props(props)
        workspace_id = old_inputs.get("workspaceId")
        if not isinstance(workspace_id, str):
            raise InvalidInputsError(f"{id_}: cannot read a cluster without its workspaceId in state")
        cluster = self._lifecycle().get(workspace_id, id_)
        if cluster is None:
            return ReadResult("", {})
        like = previous_inputs(props)
        inputs = dict(old_inputs)
        if like is not None:
            inputs.update(declared_view(cluster.to_api_dict(), like))
        return ReadResult(id_, _outputs(inputs, cluster), _with_secret_inputs_wrapped(inputs))

    @_one_line_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Only the workspace and the delete timeout are needed: state whose other inputs no longer validate
        # (written by an older version) must still be destroyable.
        inputs = previous_inputs(props)
        workspace_id = inputs.workspace_id if inputs else props.get("workspaceId")
        if not isinstance(workspace_id, str) or not workspace_id:
            raise InvalidInputsError(f"{id_}: cannot delete a cluster without its workspaceId in state")
        timeout = inputs.timeouts.delete if inputs else DEFAULT_TIMEOUTS["delete"]
        owner, former = (inputs.owner, inputs.owner_aliases or []) if inputs else (None, [])
        self._lifecycle().delete(workspace_id, id_, timeout, owner=owner, former=former)


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
        props.update(_identity(resource_name, opts))
        for field in spec.OUTPUTS:
            props.setdefault(field, None)
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(_PROVIDER, resource_name, props, pulumi.ResourceOptions.merge(secret, opts))


def _identity(resource_name: str, opts: pulumi.ResourceOptions | None) -> dict[str, Any]:
    """``owner`` (``project/stack/resource``) and ``ownerAliases`` (its former names, from the aliases option):
    the provider writes the owner mark with them and checks it before a delete. Computed here, in the program,
    because the provider process cannot know the stack."""
    prefix = f"{pulumi.get_project()}/{pulumi.get_stack()}"
    aliases = (opts.aliases if opts else None) or []
    former = [
        f"{prefix}/{alias.name}" for alias in aliases if isinstance(alias, pulumi.Alias) and isinstance(alias.name, str)
    ]
    return {"owner": f"{prefix}/{resource_name}", "ownerAliases": former or None}


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
