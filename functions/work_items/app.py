"""SQS handler: ProfileChanged whose journey positions changed (EventBridge rule → WorkItemsQueue) → stage_action
work items created for the owning team (stored, then emailed) or closed when the member moves on.

Each record stands alone (Powertools BatchProcessor, partial batch failures): an SES failure fails only
that record; the item was stored first, so the retry emails it without creating a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from journeysync.clock import scheduled_time

logger = Logger(service="work_items")
metrics = Metrics(service="work_items")


def _record(record: Any) -> None:
    try:
        _handle(record)
    except Exception:
        logger.exception("journey positions not handled; the record goes back to the queue")
        raise


def _handle(record: Any) -> None:
    from journeysync.errors import BadInputError
    from journeysync.models.changes import change_from_record
    from journeysync.queueing import dead_letter
    from journeysync.work.process import process_change
    from journeysync.work.wiring import settings, work_deps

    try:
        change = change_from_record(record.body)
    except BadInputError as exc:  # retrying cannot fix it: park it with the reason, at once
        reason = f"not a ProfileChanged: {getattr(exc, 'field', None) or ''} {exc}".strip()
        logger.warning("dead-lettering a record", extra={"message_id": record.message_id, "reason": reason})
        dead_letter(settings().work_items_dlq_url, record.body, reason)
        return
    logger.set_correlation_id(f"{change.customer_id}:{change.version}")
    report = process_change(change, work_deps(), datetime.now(UTC))
    for name, value in (("WorkItemsCreated", report.created), ("WorkItemsClosed", report.closed),
                        ("WorkItemsNotified", report.notified)):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    # ids only: no address or name in the logs
    logger.info("journey positions handled", customer_id=change.customer_id, items_created=report.created,
                items_closed=report.closed, items_notified=report.notified, item_ids=report.item_ids)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=_record, processor=processor, context=context))


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
