"""SQS handler: ProfileChanged whose journey positions changed (EventBridge rule → WorkItemsQueue) → stage_action
work items created for the owning team (stored, then emailed) or closed when the member moves on.

Each record stands alone (`journeysync.batch`): a body that is not a ProfileChanged goes to the DLQ with
its reason; an SES failure fails only that record, and the item was stored first, so the retry emails it
without creating a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.clock import scheduled_time
from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="work_items")
metrics = Metrics(service="work_items")


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


def _handle(record: Any) -> None:
    from journeysync.models.changes import change_from_record
    from journeysync.work.process import process_change
    from journeysync.work.wiring import work_deps

    change = change_from_record(record.body)
    logger.set_correlation_id(f"{change.customer_id}:{change.version}")
    report = process_change(change, work_deps(), datetime.now(UTC))
    for name, value in (("WorkItemsCreated", report.created), ("WorkItemsClosed", report.closed),
                        ("WorkItemsNotified", report.notified)):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    # ids only: no address or name in the logs
    logger.info("journey positions handled", customer_id=change.customer_id, items_created=report.created,
                items_closed=report.closed, items_notified=report.notified, item_ids=report.item_ids)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.batch import each_record
    from journeysync.work.wiring import settings

    return each_record(event, context, _handle, dlq_url=settings().work_items_dlq_url, hop="work_items",
                       carries="a ProfileChanged", warn=_warn).response


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def escalate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled: open work items past their SLA → the team's escalation contact."""
    from journeysync.work.escalate import escalate_work
    from journeysync.work.wiring import work_deps

    deps = work_deps()
    deps.warn = lambda message, extra: logger.warning(message, extra=extra)
    report = escalate_work(deps, scheduled_time(event))
    metrics.add_metric(name="WorkItemsEscalated", unit=MetricUnit.Count, value=report.escalated)
    logger.info("work escalation run", escalated=report.escalated, notified=report.notified, failed=report.failed)
    return {"escalated": report.escalated, "notified": report.notified, "failed": report.failed}
