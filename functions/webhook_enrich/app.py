"""SQS handler: queued enrichment jobs → vendor API calls → canonical events on the events queue."""

from __future__ import annotations

from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from journeysync.batch import Verdict, settle
from journeysync.coldstart import gc_after_first_invocation
from journeysync.ingest.enrich_consumer import enrichment_verdict
from journeysync.ingest.wiring import default_deps

logger = Logger(service="webhook_enrich")
metrics = Metrics(service="webhook_enrich")


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


def _verdict(record: SQSRecord) -> Verdict:
    outcome, verdict = enrichment_verdict(record.body, default_deps())
    metrics.add_metric(name=f"Enrichment_{outcome}", unit=MetricUnit.Count, value=1)
    return verdict


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = default_deps()
    return settle(event, context, _verdict, dlq_url=deps.settings.enrichment_dlq_url, hop="webhook_enrich",
                  sqs=deps.sqs, warn=_warn).response
