"""The collector pauses for a Lambda sandbox's init and comes back, frozen, when the first invocation ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from journeysync import coldstart


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    coldstart.resume()
    gc.unfreeze()
    gc.enable()


def test_outside_lambda_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    handler = coldstart.gc_after_first_invocation(lambda event, context: {"echo": event})
    assert gc.isenabled()
    assert handler(1, None) == {"echo": 1}
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_in_lambda_the_collector_waits_for_the_first_invocation_then_freezes_what_lives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "journeysync-pos-to-crm")
    seen: list[bool] = []

    def handler(event: Any, context: Any) -> str:
        seen.append(gc.isenabled())
        return "done"

    wrapped = coldstart.gc_after_first_invocation(handler)
    assert not gc.isenabled()  # paused from import on
    assert wrapped({}, None) == "done"
    assert seen == [False]  # the first invocation ran without it
    assert gc.isenabled() and gc.get_freeze_count() > 0
    assert wrapped({}, None) == "done"
    assert seen == [False, True]  # later invocations run with it
    assert wrapped.__name__ == "handler"


def test_a_first_invocation_that_raises_still_turns_the_collector_back_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "journeysync-webhook-ingest")

    def broken(event: Any, context: Any) -> None:
        raise RuntimeError("the first call failed")

    wrapped = coldstart.gc_after_first_invocation(broken)
    with pytest.raises(RuntimeError, match="first call failed"):
        wrapped({}, None)
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "journeysync-reconcile")
    gc.disable()
    wrapped = coldstart.gc_after_first_invocation(lambda event, context: None)
    wrapped({}, None)
    assert not gc.isenabled()  # not ours to turn on


def test_a_long_first_invocation_gets_the_collector_back_at_the_limit_without_a_freeze(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "journeysync-reconcile")
    monkeypatch.setattr(coldstart, "PAUSE_LIMIT_SECONDS", 0.05)
    seen: list[bool] = []

    def nightly(event: Any, context: Any) -> None:
        seen.append(gc.isenabled())
        deadline = time.monotonic() + 5
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(gc.isenabled())

    coldstart.gc_after_first_invocation(nightly)({}, None)
    assert seen == [False, True]  # paused at the start, back on mid-run
    assert gc.isenabled() and gc.get_freeze_count() == 0  # a long job's objects are not frozen
