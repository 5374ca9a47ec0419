"""crm_to_email: ProfileChanged (EventBridge rule → SQS → here) → segments → diff → SES / Mailchimp.

The whole SQS batch is synced in one `Syncer.sync` call (so Mailchimp gets one batch request
for up to 10 changed members), then each record's outcome is settled by `journeysync.batch`: a *retriable* outcome fails the record
(it returns to the queue after the visibility timeout, and to the DLQ after maxReceiveCount); a
*fatal* one (bad input, a 4xx a retry cannot fix) is sent to the DLQ at once with its reason in
the `reason` message attribute and acknowledged, so it neither blocks nor burns retries.
"""

from __future__ import annotations

import json
from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from journeysync.coldstart import gc_after_first_invocation
from journeysync.destinations import wiring
from journeysync.errors import BadInputError

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


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from journeysync.batch import OK, Verdict, dead, retry, settle

    records = event.get("Records") or []
    verdicts: dict[str, Verdict] = {}
    inputs = []
    for record in records:
        try:
            inputs.append(_parse(record))
        except BadInputError as exc:
            verdicts[record["messageId"]] = dead(f"bad ProfileChanged: {exc}")
    report = wiring.syncer().sync(inputs)
    for message_id, outcome in report.outcomes.items():
        if outcome.status in ("fatal", "retriable"):
            verdicts[message_id] = (dead if outcome.status == "fatal" else retry)(outcome.reason)
    wiring.record_metrics(metrics, report)
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
    settled = settle(event, context, lambda record: verdicts.get(record.message_id, OK),
                     dlq_url=wiring.settings().crm_to_email_dlq_url, hop="crm_to_email", warn=_warn)
    if settled.dead:
        metrics.add_metric(name="RecordsDeadLettered", unit="Count", value=settled.dead)
    return settled.response
