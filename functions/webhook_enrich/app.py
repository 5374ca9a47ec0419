"""SQS handler: queued enrichment jobs → vendor API calls → canonical events on the events queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from journeysync.ingest.enrich_consumer import handle_job
from journeysync.ingest.wiring import default_deps

logger = Logger(service="webhook_enrich")
metrics = Metrics(service="webhook_enrich")
processor = BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> None:
    outcome = handle_job(record.body, default_deps())
    metrics.add_metric(name=f"Enrichment_{outcome}", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=_record, processor=processor, context=context))
