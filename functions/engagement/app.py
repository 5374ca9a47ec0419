"""SQS handler: SES engagement events (configuration set → EventBridge → EngagementQueue) → member state.

Each record is one EventBridge event and stands alone (Powertools BatchProcessor, partial
batch failures). A record that is not an SES event (bad JSON, no messageId, a timestamp
without a zone) goes to EngagementDLQ at once with its reason and is acknowledged; a
throttled table or queue fails only that record, which comes back after the visibility
timeout (signals are counted once per id, so a retry never double-counts).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

logger = Logger(service="engagement")
metrics = Metrics(service="engagement")


def _record(record: Any) -> None:
    from journeysync.engagement import wiring
    from journeysync.engagement.ingest import ingest
    from journeysync.engagement.signals import from_ses
    from journeysync.errors import BadInputError
    from journeysync.queueing import dead_letter

    try:
        body = json.loads(record.body)
        if not isinstance(body, dict):
            raise BadInputError("body is not an EventBridge event", field="body")
        signals = from_ses(body)
    except (ValueError, BadInputError) as exc:
        reason = str(exc) if isinstance(exc, BadInputError) else "body is not JSON"
        logger.warning("SES event dead-lettered", reason=reason, message_id=record.message_id)
        dead_letter(wiring.settings().engagement_dlq_url, record.body, reason)
        metrics.add_metric(name="EngagementDeadLettered", unit=MetricUnit.Count, value=1)
        return
    report = ingest(
        signals,
        owners_of=wiring.profile_store().owners_of,
        store=wiring.engagement_store(),
        config=wiring.config().engagement,
        send_events=wiring.send_events,
        now=datetime.now(UTC),
    )
    for signal in signals:
        metrics.add_metric(name="EngagementSignals", unit=MetricUnit.Count, value=1)
        if signal.suppresses:
            metrics.add_metric(name="EngagementSuppressions", unit=MetricUnit.Count, value=1)
    # ids and counts only: no address in the logs
    logger.info("engagement applied", kinds=sorted({s.kind for s in signals}), members=report.members_updated,
                unknown=report.unknown_addresses, consent_events=report.consent_events)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=_record, processor=processor, context=context))
