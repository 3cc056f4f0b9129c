"""The Pulumi program: stack config -> validated cluster specs -> RayCluster resources -> stack outputs.

Stack-specific values (the owning stack in each description, secrets from config) are computed here and
passed as inputs, because the provider process cannot know the stack (``pulumi.get_stack()`` is wrong there).
A bad stack config stops the program before any resource is registered, naming every key to fix.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any

import pulumi

from provider.client.credentials import ENV_REGION
from provider.core.capacity import capacity_of, over_budget
from provider.core.pricing import CURRENCY_KEY, PRICE_KEY, Price, PriceError, over_cost_budget, price_for
from provider.resource import RayCluster, RayClusterArgs
from provider.schema.spec import SECRET_OUTPUTS
from provider.stack.config import (
    BUDGET_KEY,
    CLUSTERS_KEY,
    COST_BUDGET_KEY,
    RESOURCE_OPTION_KEYS,
    WORKSPACE_KEY,
    ClusterEntry,
    ConfigProblem,
    StackConfigError,
    parse_clusters,
    parse_flag,
    password_refs,
    unknown_keys,
    with_redis_password,
)
from provider.stack.inherit import BASE_FILE, BASE_KEY, USE_BASE, effective_clusters, origin

#: The outputs of each cluster that `pulumi stack output` shows.
STACK_OUTPUTS = ("clusterId", "state", "jobUrl", "grpcEndpoint", "dashboardUrl", "submitToken")


def _config(full_key: str) -> tuple[pulumi.Config, str]:
    namespace, _, key = full_key.rpartition(":")
    return pulumi.Config(namespace or None), key


def _is_set(full_key: str) -> bool:
    config, key = _config(full_key)
    return config.get(key) is not None


def _object(key: str, full_key: str, hint: str, stack_file: str) -> Any:
    """A structured config value of the project namespace (None when unset)."""
    try:
        return pulumi.Config().get_object(key)
    except pulumi.ConfigTypeError:
        raise StackConfigError([ConfigProblem(full_key, f"is not a list or map: {hint}.")], stack_file) from None


def stack_options() -> dict[str, bool]:
    """Stack-wide defaults of the resource options (`ray-clusters:protect`, `ray-clusters:retainOnDelete`)."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    defaults: dict[str, bool] = {}
    problems = []
    for key, attr in RESOURCE_OPTION_KEYS.items():
        raw = pulumi.Config().get(key)
        if raw is None:
            continue
        flag = parse_flag(raw)
        if flag is None:
            problems.append(ConfigProblem(f"{project}:{key}", f"must be true or false, got {raw!r}."))
        else:
            defaults[attr] = flag
    if problems:
        raise StackConfigError(problems, f"stacks/Pulumi.{stack}.yaml")
    return defaults


def _config_keys() -> set[str]:
    """Every key of the stack's config, as the engine hands it to the program."""
    return set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.config.get_config_env())


def load_clusters() -> list[ClusterEntry]:
    """Read and validate every cluster of the stack, or raise StackConfigError listing all problems.

    Unknown keys of our namespaces are among the problems: a misspelled key must fail, never be ignored.
    """
    project, stack = pulumi.get_project(), pulumi.get_stack()
    stack_file = f"stacks/Pulumi.{stack}.yaml"
    root = f"{project}:{CLUSTERS_KEY}"
    base_key = f"{project}:{BASE_KEY}"
    hint = f"write `{USE_BASE}` for the base as it is, or the clusters as YAML under config: in the stack file"
    raw = USE_BASE if pulumi.Config().get(CLUSTERS_KEY) == USE_BASE else _object(CLUSTERS_KEY, root, hint, stack_file)
    base = _object(BASE_KEY, base_key, f"write it as YAML under config: {BASE_KEY}: value: in Pulumi.yaml", stack_file)
    refs = password_refs(raw, project) | password_refs(base, project)
    problems = unknown_keys(_config_keys(), project=project, also_known=refs)
    try:
        entries = _parse(project, stack, stack_file, base, raw)
    except StackConfigError as exc:
        raise StackConfigError(problems + exc.problems, stack_file) from None
    if problems:
        raise StackConfigError(problems, stack_file)
    return entries


def _parse(project: str, stack: str, stack_file: str, base: Any, raw: Any) -> list[ClusterEntry]:
    root, base_key = f"{project}:{CLUSTERS_KEY}", f"{project}:{BASE_KEY}"
    clusters = effective_clusters(base, raw, base_key=base_key, stack_key=root, stack_file=stack_file)

    def note(cluster: str, path: str) -> str | None:
        if origin(base, raw, cluster, path, clusters) == "base":
            return f"set in the base: {BASE_FILE} {base_key}.{cluster}"
        return None

    workspace_config, workspace_key = _config(WORKSPACE_KEY)
    entries = parse_clusters(
        clusters,
        project=project,
        stack=stack,
        default_workspace_id=workspace_config.get(workspace_key),
        stack_file=stack_file,
        note=note,
    )
    # Secrets are looked up before any resource is declared, so a missing one fails the run cleanly.
    missing = [
        ConfigProblem(
            entry.redis_password_key,
            f"is not set (named by {entry.config_key}.headSpec.gftConfig.redisPasswordSecret): "
            f"run `pulumi config set --secret {entry.redis_password_key} <password>`.",
        )
        for entry in entries
        if entry.redis_password_key and not _is_set(entry.redis_password_key)
    ]
    if missing:
        raise StackConfigError(missing, stack_file)
    return entries


def declare(entry: ClusterEntry, defaults: dict[str, bool] | None = None) -> RayCluster:
    """One RayCluster for one entry; the Redis password, if any, goes in as a secret Output.

    ``protect`` / ``retainOnDelete`` of the entry, else the stack's defaults, become the resource options of
    those names: Pulumi then refuses to delete the cluster, or forgets it without calling DeleteRayCluster.
    """
    props: dict[str, Any] = entry.props
    if entry.redis_password_key:
        config, key = _config(entry.redis_password_key)
        props = with_redis_password(props, pulumi.Output.secret(config.require_secret(key)))
    options = dict(defaults or {})
    options.update(
        {attr: getattr(entry, attr) for attr in RESOURCE_OPTION_KEYS.values() if getattr(entry, attr) is not None}
    )
    aliases: list[str | pulumi.Alias] = [pulumi.Alias(name=name) for name in entry.aliases]
    opts = pulumi.ResourceOptions(**options, aliases=aliases or None)
    return RayCluster(entry.resource_name, RayClusterArgs.from_props(props), opts)


def outputs_of(cluster: RayCluster) -> dict[str, pulumi.Output[Any]]:
    """What `pulumi stack output <name>` shows; secret outputs (the dashboard URL carries a token) stay secret."""
    return {
        name: pulumi.Output.secret(getattr(cluster, name)) if name in SECRET_OUTPUTS else getattr(cluster, name)
        for name in STACK_OUTPUTS
    }


def check_capacity_budget(entries: list[ClusterEntry]) -> None:
    """Fail before any resource is declared when the clusters can grow past `capacityBudgetCu` (optional)."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    key = f"{project}:{BUDGET_KEY}"
    raw = pulumi.Config().get(BUDGET_KEY)
    if raw is None:
        return
    try:
        budget = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        budget = Decimal("NaN")
    if not budget.is_finite() or budget < 0:
        problem = ConfigProblem(key, f"must be a number of compute units like 64, got {raw!r}.")
        raise StackConfigError([problem], f"stacks/Pulumi.{stack}.yaml")
    shares = {entry.resource_name: capacity_of(entry.props) for entry in entries}
    problem_text = over_budget(shares, budget, key)
    if problem_text:
        raise StackConfigError([ConfigProblem(key, problem_text)], f"stacks/Pulumi.{stack}.yaml")


def stack_price() -> Price | None:
    """The price the plan's cost uses (``cuHourPrice``/``currency``, else the region's list price), checked here
    so that a bad value fails the program before any resource, naming its key."""
    stack = pulumi.get_stack()
    region = pulumi.Config("alicloud").get("region") or os.environ.get(ENV_REGION)
    try:
        return price_for(region, pulumi.Config().get(PRICE_KEY), pulumi.Config().get(CURRENCY_KEY))
    except PriceError as exc:
        problem = ConfigProblem(f"{pulumi.get_project()}:{exc.key}", str(exc))
        raise StackConfigError([problem], f"stacks/Pulumi.{stack}.yaml") from None


def check_cost_budget(entries: list[ClusterEntry], price: Price | None) -> None:
    """Fail before any resource is declared when the clusters can cost more per hour than `costBudgetPerHour`."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    raw = pulumi.Config().get(COST_BUDGET_KEY)
    if raw is None:
        return
    key = f"{project}:{COST_BUDGET_KEY}"
    budget = _positive(raw)
    problem = None
    if budget is None:
        problem = f"must be an amount of money per hour like 25, got {raw!r}."
    elif price is None:
        problem = f"needs a price: set {project}:{PRICE_KEY} (no list price is known for this region)."
    else:
        shares = {entry.resource_name: capacity_of(entry.props) for entry in entries}
        problem = over_cost_budget(shares, budget, price, key)
    if problem:
        raise StackConfigError([ConfigProblem(key, problem)], f"stacks/Pulumi.{stack}.yaml")


def _positive(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() and value >= 0 else None


def main() -> None:
    try:
        entries = load_clusters()
        check_capacity_budget(entries)
        check_cost_budget(entries, stack_price())
        defaults = stack_options()
    except StackConfigError as exc:
        # RunError: the engine prints the message once, without a Python traceback, and the run fails.
        raise pulumi.RunError(str(exc)) from None
    for entry in entries:
        pulumi.export(entry.resource_name, outputs_of(declare(entry, defaults)))


if __name__ == "__main__":
    main()
