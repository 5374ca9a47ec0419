"""SQS handler: ProfileChanged events (from the bus rule) → the configured CRM, with partial batch failures."""

from __future__ import annotations

from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="crm_push")
metrics = Metrics(service="crm_push")


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.batch import OK, settle
    from journeysync.profile.push import push_verdicts
    from journeysync.profile.settings import crm_push_settings
    from journeysync.profile.wiring import hubspot

    verdicts, report = push_verdicts(event, hubspot=hubspot())
    settled = settle(event, context, lambda record: verdicts.get(record.message_id, OK),
                     dlq_url=crm_push_settings().crm_push_dlq_url, hop="crm_push", warn=_warn)
    for name, value in (
        ("ContactsUpserted", report.upserted),
        ("ContactsDeleted", report.deleted),
        ("ChangesSkipped", report.skipped),
        ("ChangesSuperseded", report.superseded),
        ("ChangesRetried", len(report.retry)),
        ("ChangesDeadLettered", settled.dead),
    ):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("changes pushed", upserted=report.upserted, retried=len(report.retry), dead=settled.dead)
    return settled.response
