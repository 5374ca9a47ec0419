"""The profile hop against the moto server: provenance decides claims, links and merges; future times never fold."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from journeysync.config.loader import load_config
from journeysync.identity import IdentityKey
from journeysync.models import CustomerEvent, IdentityKeys, MembershipPurchased, SurveyResponded
from journeysync.profile.process import Deps, process_events
from journeysync.profile.resolve import ProfileEngine
from journeysync.store import ProfileStore
from tests.conftest import AwsResources
from tests.lambda_context import lambda_context

pytestmark = pytest.mark.integration

CONFIG = load_config("infra/config")
NOW = datetime.now(UTC)
MEMBER = IdentityKeys(emails=["member@example.com"], phones=["+447911123456"])


def _event(n: str, data: Any, keys: IdentityKeys, at: datetime | None = None) -> CustomerEvent:
    return CustomerEvent.create(source="test", vendor_event_id=n, time=at or NOW - timedelta(hours=1), data=data,
                                identity=keys)


def _apply(store: ProfileStore, *events: CustomerEvent) -> list[Any]:
    engine = ProfileEngine(store, CONFIG)
    outcomes = [engine.apply(e) for e in events]
    engine.flush_records()
    return outcomes


@pytest.fixture
def store(aws: AwsResources) -> ProfileStore:
    return ProfileStore(aws.table, aws.client("dynamodb"))


def test_trusted_keys_merge_with_an_audit_naming_the_bridge_and_typed_keys_stay_unverified_claims(
    store: ProfileStore,
) -> None:
    membership = MembershipPurchased(tier="individual", term_months=12)
    [member] = _apply(store, _event("m", membership, MEMBER))
    stranger = IdentityKeys(emails=["stranger@example.com"], phones=["+447911123456"],
                            trust={"phone:+447911123456": "typed"})
    [order] = _apply(store, _event("s", membership, stranger))
    assert order.customer_id != member.customer_id and not order.merged
    [event] = store.timeline(order.customer_id)
    assert event.unverified == ("phone:+447911123456",) and "phone:+447911123456" not in event.keys

    # the same person proven by a verified address on both sides: a merge, audited with its bridge
    both = IdentityKeys(emails=["member@example.com", "stranger@example.com"])
    [merge] = _apply(store, _event("b", SurveyResponded(response_id="r", scale="nps", score=9), both))
    assert merge.merged
    [audit] = [a for a in store.audits(merge.customer_id) if a.get("action") == "merge"]
    levels = {b["level"] for b in audit["via"]}
    assert levels == {"verified"} and all(len(b["key"]) == 32 for b in audit["via"])


def test_a_future_dated_event_is_dead_lettered_and_never_reaches_the_fold(aws: AwsResources, store: ProfileStore) -> None:
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]

    class Publisher:
        def publish(self, changes: Any) -> int:
            return len(changes)

    deps = Deps(store=store, config=CONFIG, publisher=Publisher(), dlq_url=dlq, sqs=sqs)
    forever = _event("f", MembershipPurchased(tier="individual", term_months=12), MEMBER,
                     at=datetime(9999, 1, 1, tzinfo=UTC))
    record = {"messageId": "m1", "receiptHandle": "r", "body": forever.model_dump_json(),
              "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g", "SentTimestamp": "0",
                             "SenderId": "x", "ApproximateFirstReceiveTimestamp": "0", "SequenceNumber": "1",
                             "MessageDeduplicationId": "d"},
              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
              "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:events.fifo", "awsRegion": "eu-west-2"}

    report = process_events({"Records": [record]}, lambda_context("pos-to-crm"), deps)

    assert report.dead_lettered == 1 and report.outcomes == []
    assert store.owner_of(IdentityKey("email", "member@example.com")) is None
    [msg] = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert "9999" in msg["MessageAttributes"]["reason"]["StringValue"]
