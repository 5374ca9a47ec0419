"""SQS handler: ProfileChanged whose ratings changed (EventBridge rule → SurveyRouterQueue) → routed alerts.

Each record stands alone (`journeysync.batch`): a body that is not a ProfileChanged goes to the DLQ
with its reason; an SES or Slack failure fails only that record, which returns to the queue; the
alert was stored before sending, so the retry sends it without creating a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="survey_router")
metrics = Metrics(service="survey_router")


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


def _route(record: Any) -> None:
    from journeysync.alerts.router import process_change
    from journeysync.alerts.wiring import router_deps
    from journeysync.models.changes import change_from_record

    change = change_from_record(record.body)
    logger.set_correlation_id(f"{change.customer_id}:{change.version}")
    report = process_change(change, router_deps(_warn), datetime.now(UTC))
    metrics.add_metric(name="RatingChangesRouted", unit=MetricUnit.Count, value=1)
    for name, value in (("AlertsCreated", report.created), ("AlertsUpdated", report.updated),
                        ("AlertsNotified", report.notified)):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    # ids only: no address, no name, no comment in the logs
    logger.info("ratings routed", customer_id=change.customer_id, version=change.version, alerts_created=report.created,
                alerts_updated=report.updated, alerts_notified=report.notified, alert_ids=report.alert_ids)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.alerts.wiring import settings
    from journeysync.batch import each_record

    return each_record(event, context, _route, dlq_url=settings().survey_router_dlq_url, hop="survey_router",
                       carries="a ProfileChanged", warn=_warn).response
