"""Scheduled handler: unclaimed alerts past their SLA → the team's escalation contact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="alert_escalator")
metrics = Metrics(service="alert_escalator")


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.alerts.escalate import escalate
    from journeysync.alerts.wiring import router_deps

    report = escalate(router_deps(_warn), datetime.now(UTC))
    metrics.add_metric(name="AlertsEscalated", unit=MetricUnit.Count, value=report.escalated)
    metrics.add_metric(name="EscalationsSent", unit=MetricUnit.Count, value=report.notified)
    logger.info("escalation run", escalated=report.escalated, notified=report.notified, failed=report.failed)
    return {"escalated": report.escalated, "notified": report.notified, "failed": report.failed}
