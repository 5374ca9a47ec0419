"""SQS FIFO handler: a batch of CustomerEvents → committed profiles → ProfileChanged on the bus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

if TYPE_CHECKING:
    from journeysync.models.events import CustomerEvent
    from journeysync.profile.resolve import Outcome

logger = Logger(service="pos_to_crm")
metrics = Metrics(service="pos_to_crm")


def _log(event: CustomerEvent, outcome: Outcome) -> None:
    """One line per event, PII-free: ids, type, source and what happened (never an address or a name)."""
    logger.set_correlation_id(event.id)
    logger.info(
        "event applied",
        event_type=event.type,
        source=event.source,
        subject=event.subject,
        status=outcome.status,
        customer_id=outcome.customer_id,
        merged=outcome.merged,
    )


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.profile.process import process_events
    from journeysync.profile.wiring import deps

    report = process_events(event, context, deps(), on_outcome=_log)
    for status in ("applied", "unchanged", "anonymous", "suppressed", "forgotten"):
        if count := report.count(status):
            metrics.add_metric(name=f"Events{status.capitalize()}", unit=MetricUnit.Count, value=count)
    for name, value in (
        ("Merges", report.merges),
        ("EventsReplayed", report.replayed),
        ("EventsDeadLettered", report.dead_lettered),
        ("EventsFailed", report.failed),
        ("ProfileChangedPublished", report.published),
    ):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    return report.response
