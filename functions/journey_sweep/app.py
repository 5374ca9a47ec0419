"""Scheduled handler: move members whose time came (renewal due, lapsed, a checkout abandoned) and publish the
changes. "Now" is the schedule's own time, so the local scheduler — and a test — drives the clock. An event
whose detail says `{"full": true}` scans every profile instead of the due index (once, after an upgrade)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="journey_sweep")
metrics = Metrics(service="journey_sweep")


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from dataclasses import replace

    from journeysync.clock import scheduled_time
    from journeysync.profile.process import sweep
    from journeysync.profile.wiring import deps

    def time_left() -> float:
        return float(context.get_remaining_time_in_millis()) / 1000.0

    at = scheduled_time(event)
    detail = event.get("detail")
    full = isinstance(detail, dict) and detail.get("full") is True  # anything else: the scheduled run
    report = sweep(replace(deps(), now=lambda: at), time_left=time_left, full=full)
    metrics.add_metric(name="SweepScanned", unit=MetricUnit.Count, value=report.scanned)
    metrics.add_metric(name="SweepChanged", unit=MetricUnit.Count, value=report.changed)
    logger.info("journey sweep done", full=full, scanned=report.scanned, changed=report.changed, moves=report.moves)
    return {"full": full, "scanned": report.scanned, "changed": report.changed, "moves": report.moves}
