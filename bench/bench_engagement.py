"""engagement: AWS requests per SES event through the hop's batch path, and the fold's CPU per signal.

The hop runs in-process against a moto server (real boto3, the template's table): 1,000 SES
events (sends, opens, clicks) for 200 members arrive in SQS-sized batches of 10, as the
EngagementQueue hands them over. Requests are counted at botocore.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.aws_calls import counting_aws_calls

EVENTS = 1000
MEMBERS = 200
NOW = datetime.now(UTC)


def _ses_event(i: int) -> dict[str, Any]:
    kind = ("Send", "Open", "Click", "Open", "Delivery")[i % 5]
    detail_type = {"Send": "Email Sent", "Open": "Email Opened", "Click": "Email Clicked", "Delivery": "Email Delivered"}[kind]
    at = (NOW - timedelta(hours=i % 150)).isoformat()
    section = kind.lower()
    return {
        "detail-type": detail_type,
        "source": "aws.ses",
        "detail": {
            "eventType": kind,
            "mail": {"timestamp": at, "messageId": f"msg-{i // 5}", "destination": [f"m{i % MEMBERS}@example.org"],
                     "tags": {"division": ["museum"], "campaign": [f"c{i // (5 * MEMBERS)}"]}},
            section: {"timestamp": at},
        },
    }


def _fold() -> list[tuple[str, float, str]]:
    from journeysync.engagement.fold import apply_signals
    from journeysync.engagement.model import EngagementState
    from journeysync.engagement.signals import from_ses

    signals = [s for i in range(5000) for s in from_ses(_ses_event(i))]
    state = EngagementState(customer_id="x")
    zone = ZoneInfo("Europe/London")
    started = time.perf_counter()
    for s in signals:
        apply_signals(state, [s], zone, 3, NOW)
    per = (time.perf_counter() - started) / len(signals)
    size = len(state.model_dump_json())
    return [("fold CPU per signal", per * 1e6, "µs"), ("engagement item size after 5,000 signals", size / 1024, "KB")]


def _hop() -> list[tuple[str, float, str]]:
    from journeysync_local.moto_server import point_boto3_at, start_moto
    from journeysync_local.template import create_table_request, load_template, resources_of_type

    from journeysync.aws import reset_clients
    from journeysync.identity import IdentityKey
    from journeysync.store.profiles import ProfileStore

    moto = start_moto()
    point_boto3_at(moto.url)
    reset_clients()
    try:
        import boto3

        props = resources_of_type(load_template(), "AWS::DynamoDB::Table")["Table"]["Properties"]
        boto3.client("dynamodb").create_table(**create_table_request("bench-engagement", props))
        dlq = boto3.client("sqs").create_queue(QueueName="bench-engagement-dlq")["QueueUrl"]
        events = boto3.client("sqs").create_queue(QueueName="bench-events.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        import os

        os.environ.update({"JOURNEYSYNC_TABLE_NAME": "bench-engagement", "JOURNEYSYNC_ENGAGEMENT_DLQ_URL": dlq,
                           "JOURNEYSYNC_EVENTS_QUEUE_URL": events, "POWERTOOLS_METRICS_NAMESPACE": "bench",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})
        profiles = ProfileStore("bench-engagement")
        for m in range(MEMBERS):
            profiles.claim_key(IdentityKey("email", f"m{m}@example.org"), f"cust-{m}")
        from engagement.app import lambda_handler

        from journeysync.engagement import wiring

        for cached in (wiring.settings, wiring.config, wiring.engagement_store, wiring.profile_store):
            cached.cache_clear()
        context = type("C", (), {"function_name": "engagement", "memory_limit_in_mb": 512, "aws_request_id": "r",
                                 "invoked_function_arn": "arn:aws:lambda:eu-west-2:1:function:engagement"})()
        batches = [[{"messageId": str(i), "body": json.dumps(_ses_event(i))} for i in range(b, b + 10)]
                   for b in range(0, EVENTS, 10)]
        started = time.perf_counter()
        with counting_aws_calls() as calls:
            for batch in batches:
                lambda_handler({"Records": batch}, context)
        seconds = time.perf_counter() - started
        total = sum(calls.values())
        by_op: dict[str, int] = {}
        for (_fn, _svc, op), n in calls.items():
            by_op[op] = by_op.get(op, 0) + n
        rows = [("AWS requests per SES event (batches of 10)", total / EVENTS, "requests")]
        rows += [(f"  {op} per SES event", n / EVENTS, "requests") for op, n in sorted(by_op.items())]
        rows.append(("SES events per second in-process against moto", EVENTS / seconds, "events/s"))
        return rows
    finally:
        moto.stop()


def run() -> list[tuple[str, float, str]]:
    return [*_fold(), *_hop()]
