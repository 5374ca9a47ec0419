"""SQS handler: SES engagement events (configuration set → EventBridge → EngagementQueue) → member state.

The batch (up to 10 EventBridge events) is applied in one pass: one BatchGetItem for the
owners of the addresses, one for their states, one conditional write per member. A record
that is not an SES event (bad JSON, no messageId, a timestamp without a zone) goes to
EngagementDLQ at once with its reason and is acknowledged. If the pass fails (a throttled
table or queue), every other record of the batch is reported failed and comes back after the
visibility timeout; signals are counted once per id, so the retry never double-counts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aws_lambda_powertools.utilities.batch  # noqa: F401  (before pydantic: see journeysync.coldstart)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="engagement")
metrics = Metrics(service="engagement")


def _signals(record: dict[str, Any]) -> list[Any]:
    from journeysync.engagement.signals import from_ses
    from journeysync.errors import BadInputError

    try:
        body = json.loads(record["body"])
    except (TypeError, ValueError):
        raise BadInputError("body is not JSON", field="body") from None
    if not isinstance(body, dict):
        raise BadInputError("body is not an EventBridge event", field="body")
    return from_ses(body)


def _warn(message: str, extra: dict[str, Any]) -> None:
    logger.warning(message, extra=extra)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.batch import OK, Verdict, dead, retry, settle
    from journeysync.engagement import wiring
    from journeysync.engagement.ingest import ingest
    from journeysync.errors import BadInputError

    records = event.get("Records") or []
    verdicts: dict[str, Verdict] = {}
    signals: list[Any] = []
    kept: list[str] = []
    for record in records:
        try:
            signals += _signals(record)
            kept.append(record["messageId"])
        except BadInputError as exc:
            verdicts[record["messageId"]] = dead(str(exc))
    report = None
    try:
        report = ingest(
            signals,
            owners_of=wiring.profile_store().owners_of,
            store=wiring.engagement_store(),
            config=wiring.config().engagement,
            send_events=wiring.send_events,
            now=datetime.now(UTC),
        )
    except Exception as exc:
        logger.exception("engagement not applied; the batch's records go back to the queue")
        verdicts.update(dict.fromkeys(kept, retry(f"engagement not applied: {type(exc).__name__}")))
    settled = settle(event, context, lambda record: verdicts.get(record.message_id, OK),
                     dlq_url=wiring.settings().engagement_dlq_url, hop="engagement", warn=_warn)
    if settled.dead:
        metrics.add_metric(name="EngagementDeadLettered", unit=MetricUnit.Count, value=settled.dead)
    if report is not None:
        metrics.add_metric(name="EngagementSignals", unit=MetricUnit.Count, value=len(signals))
        metrics.add_metric(name="EngagementSuppressions", unit=MetricUnit.Count, value=len(report.consent_events))
        # ids and counts only: no address in the logs
        logger.info("engagement applied", signals=len(signals), kinds=sorted({s.kind for s in signals}),
                    members=report.members_updated, unknown=report.unknown_addresses,
                    consent_events=report.consent_events)
    return settled.response
