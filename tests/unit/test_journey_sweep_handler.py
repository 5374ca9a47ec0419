"""The journey sweep's handler: only a detail of exactly `{"full": true}` scans everything; any other event,
however malformed, is the scheduled run over the due index."""

from __future__ import annotations

from typing import Any

import pytest

from journeysync.profile import process, wiring
from journeysync.profile.process import SweepReport
from tests.lambda_context import lambda_context


@pytest.mark.parametrize(("detail", "full"), [
    ({"full": True}, True), ({}, False), ({"full": "yes"}, False), ({"full": 1}, False),
    ("x", False), (None, False), (["full"], False),
])
def test_only_a_detail_asking_for_a_full_run_gets_one(monkeypatch: pytest.MonkeyPatch, detail: Any, full: bool) -> None:
    from functions.journey_sweep.app import lambda_handler

    asked: list[bool] = []

    def sweep(deps: Any, time_left: Any = None, full: bool = False) -> SweepReport:
        asked.append(full)
        return SweepReport()

    monkeypatch.setattr(process, "sweep", sweep)
    monkeypatch.setattr(wiring, "deps", lambda: process.Deps(store=None, config=None, publisher=None))  # type: ignore[arg-type]
    event = {"detail-type": "Scheduled Event", "time": "2026-12-04T03:00:00Z", "detail": detail}
    assert lambda_handler(event, lambda_context("journey-sweep-test", 600_000))["full"] is full
    assert asked == [full]
