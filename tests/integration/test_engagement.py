"""The engagement hop and its store against the moto server."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from journeysync.engagement.fold import apply_signals
from journeysync.engagement.signals import Signal
from journeysync.engagement.store import EngagementStore
from journeysync.identity import IdentityKey
from journeysync.store.profiles import ProfileStore
from tests.crm_to_email_support import customer
from tests.lambda_context import lambda_context

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[1] / "events" / "ses"
CONTEXT = lambda_context("engagement", 30_000)


def _record(mid: str, body: str) -> dict:
    return {"messageId": mid, "receiptHandle": mid, "body": body, "attributes": {}, "messageAttributes": {},
            "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-2:1:q", "awsRegion": "eu-west-2"}


@pytest.fixture
def hop(aws, monkeypatch):  # type: ignore[no-untyped-def]
    sqs = aws.client("sqs")
    events = sqs.create_queue(QueueName="events-eng.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq = sqs.create_queue(QueueName="engagement-dlq")["QueueUrl"]
    monkeypatch.setenv("JOURNEYSYNC_EVENTS_QUEUE_URL", events)
    monkeypatch.setenv("JOURNEYSYNC_ENGAGEMENT_DLQ_URL", dlq)
    from journeysync.engagement import wiring

    for cached in (wiring.settings, wiring.config, wiring.engagement_store, wiring.profile_store):
        cached.cache_clear()
    profiles = ProfileStore(aws.table)
    ann = customer("c-ann", "ann@example.com")
    profiles.save(ann, 0)
    profiles.claim_key(IdentityKey("email", "ann@example.com"), "c-ann")
    return SimpleNamespace(sqs=sqs, events=events, dlq=dlq, profiles=profiles, store=EngagementStore(aws.table))


def test_the_hop_counts_an_open_turns_a_complaint_into_consent_and_dead_letters_a_bad_record(hop) -> None:  # type: ignore[no-untyped-def]
    from engagement.app import lambda_handler

    bad = json.loads((EVENTS / "open.json").read_text())
    del bad["detail"]["mail"]["messageId"]
    result = lambda_handler({"Records": [
        _record("m1", (EVENTS / "open.json").read_text()),
        _record("m2", json.dumps(bad)),
        _record("m3", (EVENTS / "complaint.json").read_text()),
    ]}, CONTEXT)

    assert result == {"batchItemFailures": []}
    state = hop.store.get("c-ann")
    assert state is not None and state.opens == 1 and state.complained_at is not None
    [parked] = hop.sqs.receive_message(QueueUrl=hop.dlq, MessageAttributeNames=["All"])["Messages"]
    assert "detail.mail.messageId" in parked["MessageAttributes"]["reason"]["StringValue"]
    [queued] = hop.sqs.receive_message(QueueUrl=hop.events)["Messages"]
    event = json.loads(queued["Body"])
    assert (event["type"], event["data"]["status"], event["data"]["explicit"]) == ("consent.changed", "complained", True)

    # the same batch again (SQS redelivers): nothing counted twice
    lambda_handler({"Records": [_record("m1", (EVENTS / "open.json").read_text())]}, CONTEXT)
    again = hop.store.get("c-ann")
    assert again is not None and again.opens == 1


def test_the_batch_comes_back_when_the_events_queue_refuses(hop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from engagement.app import lambda_handler

    monkeypatch.setenv("JOURNEYSYNC_EVENTS_QUEUE_URL", hop.events.replace("events-eng", "no-such-queue"))
    from journeysync.engagement import wiring

    wiring.settings.cache_clear()
    result = lambda_handler({"Records": [_record("m3", (EVENTS / "complaint.json").read_text()),
                                         _record("m1", (EVENTS / "open.json").read_text())]}, CONTEXT)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m1"}]}
    assert hop.store.get("c-ann") is None  # nothing counted before the consent fact was queued


def test_concurrent_writers_lose_no_count(hop) -> None:  # type: ignore[no-untyped-def]
    zone, at = ZoneInfo("UTC"), datetime(2026, 12, 1, 19, tzinfo=UTC)

    def writer(prefix: str) -> None:
        for i in range(15):
            signal = Signal(f"{prefix}{i}", "open", "ann@example.com", at + timedelta(minutes=i), "ses", f"{prefix}{i}")
            hop.store.update("c-ann", lambda st, s=signal: apply_signals(st, [s], zone, 1, at), attempts=50)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = hop.store.get("c-ann")
    assert state is not None and state.opens == 45 and state.version == 45
