"""Two handlers of the survey dispatch hop.

`lambda_handler` (SQS, EventBridge rule → SurveyDispatchQueue): a ProfileChanged caused by a
configured touchpoint → a survey planned for later (one per touchpoint event, whatever the
redeliveries). `send_due` (schedule, every 5 minutes): surveys that have fallen due → the rules →
one SES templated email each. "Now" for the sweep is the schedule's own time, so the local
scheduler — and a test — drives the clock.
"""

from __future__ import annotations

from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.clock import scheduled_time
from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="survey_dispatch")
metrics = Metrics(service="survey_dispatch")


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


def _record(record: Any) -> None:
    from journeysync.models.changes import change_from_record
    from journeysync.surveys.plan import plan_change
    from journeysync.surveys.wiring import survey_store, surveys_config

    change = change_from_record(record.body)
    logger.set_correlation_id(f"{change.customer_id}:{change.version}")
    report = plan_change(surveys_config(), survey_store(), change)
    if report.planned:
        metrics.add_metric(name="SurveysPlanned", unit=MetricUnit.Count, value=report.planned)
    # ids only: no address in the logs
    logger.info("touchpoints planned", customer_id=change.customer_id, planned=report.planned,
                skipped=report.skipped, repeated=report.repeated, event_ids=report.event_ids)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.batch import each_record
    from journeysync.surveys.wiring import settings

    return each_record(event, context, _record, dlq_url=settings().survey_dispatch_dlq_url, hop="survey_dispatch",
                       carries="a ProfileChanged", warn=_warn).response


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def send_due(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.surveys.send import send_due as sweep
    from journeysync.surveys.wiring import send_deps

    report = sweep(send_deps(_warn), scheduled_time(event))
    metrics.add_metric(name="SurveysSent", unit=MetricUnit.Count, value=report.sent)
    for reason, count in report.skipped.items():
        metrics.add_metric(name=f"SurveysSkipped_{reason}", unit=MetricUnit.Count, value=count)
    logger.info("survey sweep", sent=report.sent, skipped=report.skipped, deferred=report.deferred,
                failed=report.failed)
    return {"sent": report.sent, "skipped": report.skipped, "deferred": report.deferred, "failed": report.failed}
