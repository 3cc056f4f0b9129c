"""Reading the emulator's journal and store: which calls were made and applied, acting when a call shows up, and
whether the live cluster matches the declaration (checked from the store, not through the provider)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from harness.emulator import Emulator

WRITES = frozenset({"CreateRayCluster", "UpdateRayCluster", "DeleteRayCluster", "StartRayCluster", "StopRayCluster"})


def calls(journal: list[dict[str, Any]], action: str, *, ok: bool | None = None) -> list[dict[str, Any]]:
    """Journal entries of one action; ok=True keeps the applied ones (HTTP 200, which includes lost-response)."""
    entries = [e for e in journal if e["action"] == action]
    return entries if ok is None else [e for e in entries if (e["status"] == 200) == ok]


def lookups_after_create(journal: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ListRayCluster calls after the first CreateRayCluster: lookups by name after an ambiguous create.

    (Every create is preceded by one lookup of the name, which these leave out.)
    """
    first = next((i for i, e in enumerate(journal) if e["action"] == "CreateRayCluster"), len(journal))
    return [e for e in journal[first:] if e["action"] == "ListRayCluster"]


def assert_no_create_without_lookup(journal: list[dict[str, Any]]) -> None:
    """Every CreateRayCluster after a failed one comes after a ListRayCluster (a lookup by name) in between."""
    failed_create = False
    for entry in journal:
        if entry["action"] == "ListRayCluster":
            failed_create = False
        elif entry["action"] == "CreateRayCluster":
            assert not failed_create, "CreateRayCluster sent again with no lookup by name after a failed one"
            failed_create = entry["status"] != 200 or bool(entry.get("fault"))


def applied_writes(journal: list[dict[str, Any]]) -> list[str]:
    """The write actions the emulator applied, in order (refused, faulted-before-apply ones left out)."""
    return [e["action"] for e in journal if e["action"] in WRITES and e["status"] == 200]


def number_text(value: Any) -> str:
    """'2', 2 and 2.0 all read as '2' (cpu is a string on the wire, a number in our inputs)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def assert_live_matches(emulator: Emulator, inputs: dict[str, Any]) -> dict[str, Any]:
    """Exactly one cluster exists and its declared fields equal `inputs` (checked from the store, not the provider)."""
    clusters = emulator.clusters()
    assert len(clusters) == 1, f"expected exactly one cluster, found {[c['clusterId'] for c in clusters]}"
    live = clusters[0]
    assert live["state"] == "Running", live["state"]
    for key in ("name", "description", "displayReleaseVersion"):
        if key in inputs:
            assert live[key] == inputs[key], key
    if "volumeIds" in inputs:
        assert sorted(live["volumeIds"]) == sorted(inputs["volumeIds"])
    for key, value in (inputs.get("headSpec") or {}).items():
        if key in ("cpu", "memory"):
            assert number_text(live["headSpec"][key]) == number_text(value), f"headSpec.{key}"
    declared = {g["groupName"]: g for g in inputs.get("workerSpec") or []}
    groups = {g["groupName"]: g for g in live["workerSpec"]}
    assert set(groups) == set(declared), "worker groups"
    for name, group in declared.items():
        for key, value in group.items():
            if key in ("cpu", "memory"):
                assert number_text(groups[name][key]) == number_text(value), f"workerSpec[{name}].{key}"
            else:
                assert groups[name][key] == value, f"workerSpec[{name}].{key}"
    return live


@contextmanager
def when_journal_shows(
    emulator: Emulator, action: str, then: Callable[[], None], timeout: float = 60.0, count: int = 1
) -> Iterator[threading.Event]:
    """Run `then` in a thread as soon as the journal holds `count` entries of `action`; the event is set once it ran.

    Used to act while the provider is blocked inside a call (restart the emulator, inject faults). The journal
    records a request once it has been answered. `timeout` only bounds a failure.
    """
    done = threading.Event()
    stop = threading.Event()
    errors: list[BaseException] = []

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < deadline:
            if len(emulator.journal(action)) >= count:
                try:
                    then()
                except BaseException as exc:  # re-raised in the test thread
                    errors.append(exc)
                done.set()
                return
            stop.wait(0.02)  # polling the journal: the emulator sends no notification

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join(timeout + 10)
        if errors:
            raise errors[0]
