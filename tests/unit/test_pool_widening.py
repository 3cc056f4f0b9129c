"""The pool widening says when it cannot act, once, and is not marked done before it succeeded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from provider import concurrency


@pytest.fixture
def as_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this process is `python -m pulumi.dynamic`, with no attempt made yet."""
    monkeypatch.setattr(concurrency, "_running_as_dynamic_provider_server", lambda: True)
    monkeypatch.setattr(concurrency, "_outcome", "pending")
    monkeypatch.setattr(concurrency, "_attempts", 0)
    monkeypatch.delenv(concurrency.DISABLE_ENV, raising=False)


@pytest.mark.usefixtures("as_the_server")
def test_a_pool_that_cannot_be_widened_is_reported_once() -> None:
    said: list[str] = []
    # The test's main thread belongs to no ThreadPoolExecutor: what a changed SDK would look like. A thread
    # not yet registered with its pool is given a few calls; then it is said, once.
    for _ in range(concurrency._ATTEMPTS + 2):
        assert concurrency.widen_server_pool(say=said.append) is False
    assert len(said) == 1 and "cannot be widened" in said[0] and "at most 4" in said[0]
    assert concurrency._outcome == "unavailable"


@pytest.mark.usefixtures("as_the_server")
def test_a_pool_thread_widens_its_own_pool() -> None:
    said: list[str] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        pool.submit(lambda: None).result()  # the pool's first thread is registered once this returned
        assert pool.submit(concurrency.widen_server_pool, 8, said.append).result() is True
        assert pool._max_workers == 8 and len(pool._threads) == 8
    assert said == [] and concurrency._outcome == "widened"


def test_outside_the_server_nothing_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(concurrency, "_outcome", "pending")
    said: list[str] = []
    assert concurrency.widen_server_pool(say=said.append) is False
    assert said == [] and concurrency._outcome == "pending"
    assert threading.current_thread() is threading.main_thread()
