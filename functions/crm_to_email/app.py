"""crm_to_email: ProfileChanged (EventBridge rule → SQS → here) → segments → diff → SES / Mailchimp.

The whole SQS batch is synced in one `Syncer.sync` call (so Mailchimp gets one batch request
for up to 10 changed members), then each record's outcome is reported through Powertools'
BatchProcessor: a *retriable* outcome fails the record (it returns to the queue after the
visibility timeout, and to the DLQ after maxReceiveCount); a *fatal* one (bad input, a 4xx
a retry cannot fix) is sent to the DLQ at once with its reason in the `reason` message
attribute and acknowledged, so it neither blocks nor burns retries.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from journeysync.destinations import wiring
from journeysync.errors import BadInputError, RetriableError

logger = Logger()
metrics = Metrics()


def _parse(record: dict[str, Any]) -> Any:
    """SyncInput from an SQS record whose body is the EventBridge event (detail = ProfileChanged)."""
    from journeysync.destinations.sync import input_from_change
    from journeysync.models.changes import ProfileChanged
    from journeysync.models.validation import parse_model

    try:
        body = json.loads(record["body"])
    except (TypeError, ValueError):
        raise BadInputError("body is not JSON", field="body") from None
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return input_from_change(record["messageId"], parse_model(ProfileChanged, detail))


def _dead_letter(record: dict[str, Any], reason: str) -> None:
    from journeysync.aws import client

    url = wiring.settings().crm_to_email_dlq_url
    if not url:
        raise RetriableError(f"fatal ({reason}) but no DLQ configured; leaving it to the redrive policy")
    client("sqs").send_message(
        QueueUrl=url,
        MessageBody=record["body"],
        MessageAttributes={
            "reason": {"DataType": "String", "StringValue": reason[:1000] or "fatal"},
            "source_message_id": {"DataType": "String", "StringValue": record["messageId"]},
            "hop": {"DataType": "String", "StringValue": "crm_to_email"},
        },
    )


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from journeysync.destinations.model import Outcome

    records = event.get("Records") or []
    verdicts: dict[str, Outcome] = {}
    inputs = []
    for record in records:
        try:
            inputs.append(_parse(record))
        except BadInputError as exc:
            verdicts[record["messageId"]] = Outcome("fatal", f"bad ProfileChanged: {exc}")
    report = wiring.syncer().sync(inputs)
    verdicts.update(report.outcomes)
    wiring.record_metrics(metrics, report)
    by_id = {r["messageId"]: r for r in records}
    for message_id, verdict in list(verdicts.items()):
        if verdict.status != "fatal":
            continue
        logger.warning("dead-lettering a ProfileChanged", extra={"message_id": message_id, "reason": verdict.reason})
        try:
            _dead_letter(by_id[message_id], verdict.reason)
            metrics.add_metric(name="RecordsDeadLettered", unit="Count", value=1)
        except Exception as exc:  # the record stays on the queue; its redrive policy is the backstop
            verdicts[message_id] = Outcome("retriable", f"could not dead-letter: {type(exc).__name__}")
    if report.changes or report.refused:
        logger.info(
            "synced",
            extra={
                "changes": dict(report.changes),
                "audience_changes": dict(report.audience_changes),
                "refused": report.refused,
                "suppressions": report.suppressions,
            },
        )

    def handle(record: SQSRecord) -> None:
        verdict = verdicts.get(record.message_id)
        if verdict is not None and verdict.status == "retriable":
            raise RetriableError(verdict.reason, retry_after=verdict.retry_after)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=handle, processor=processor, context=context))
