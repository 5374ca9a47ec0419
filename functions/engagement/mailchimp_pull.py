"""Scheduled: Mailchimp's Reports API (sends, opens, clicks, bounces) → member engagement and consent facts.

Mailchimp has no engagement webhooks, so this reads its reports every hour. A run cut short by
throttling fails (the schedule retries it); the cursor saved after each campaign means nothing is
read twice for long, and nothing is counted twice at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="engagement_pull")
metrics = Metrics(service="engagement_pull")


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.aws import client
    from journeysync.engagement import wiring
    from journeysync.engagement.ingest import ingest
    from journeysync.engagement.mailchimp_pull import CursorStore, pull

    found = wiring.mailchimp_client()
    if found is None:
        logger.info("Mailchimp is not enabled; nothing to pull")
        return {"campaigns": 0, "signals": 0}
    mailchimp, list_id = found
    config = wiring.config()
    now = datetime.now(UTC)

    def apply(signals: Any) -> None:
        ingest(signals, owners_of=wiring.profile_store().owners_of, store=wiring.engagement_store(),
               config=config.engagement, send_events=wiring.send_events, now=now)

    report = pull(mailchimp, list_id, config.segments, CursorStore(wiring.settings().table_name, client("dynamodb")),
                  apply, now, config.engagement.mailchimp_lookback_days)
    metrics.add_metric(name="MailchimpReportCalls", unit=MetricUnit.Count, value=report.calls)
    metrics.add_metric(name="EngagementSignals", unit=MetricUnit.Count, value=report.signals)
    logger.info("Mailchimp reports pulled", campaigns=report.campaigns, calls=report.calls, signals=report.signals)
    return {"campaigns": report.campaigns, "signals": report.signals, "calls": report.calls}
