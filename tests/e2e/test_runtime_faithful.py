"""Where the local runtime makes moto and Lambda behave like AWS: SES contacts, concurrent merges, trace lineage."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from journeysync_local.moto_server import MotoEndpoint
from journeysync_local.stack import LocalStack, parse_trace_header

from journeysync.identity import IdentityKey
from journeysync.models import CustomerEvent, IdentityKeys, Money, PurchaseCompleted, TicketBooked
from journeysync.models.events import LineItem
from journeysync.store import ProfileStore
from tests.crm_to_email_support import bus_entry, customer, profile_changed
from tests.e2e.fixtures import StartStack

pytestmark = pytest.mark.e2e

T0 = datetime.now(UTC) - timedelta(hours=1)


def test_creating_an_existing_ses_contact_fails_as_ses_does(local_stack: LocalStack) -> None:
    ses = local_stack.client("sesv2")
    contacts = local_stack.resources["ContactList"]
    ses.create_contact(ContactListName=contacts, EmailAddress="kim@example.org", UnsubscribeAll=True)
    with pytest.raises(ClientError) as raised:
        ses.create_contact(ContactListName=contacts, EmailAddress="kim@example.org", UnsubscribeAll=False)
    assert raised.value.response["Error"]["Code"] == "AlreadyExistsException"
    assert ses.get_contact(ContactListName=contacts, EmailAddress="kim@example.org")["UnsubscribeAll"] is True


def test_a_person_already_unsubscribed_at_ses_stays_unsubscribed_when_their_profile_first_syncs(
    local_stack: LocalStack,
) -> None:
    ses = local_stack.client("sesv2")
    contacts = local_stack.resources["ContactList"]
    ses.create_contact(ContactListName=contacts, EmailAddress="lee@example.org", UnsubscribeAll=True)
    new_member = customer("e2e-unsub", "lee@example.org", version=1)
    entry = bus_entry(profile_changed(new_member), local_stack.resources["EventBus"])
    assert local_stack.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    local_stack.wait_idle(timeout=20)
    contact = ses.get_contact(ContactListName=contacts, EmailAddress="lee@example.org")
    assert contact["UnsubscribeAll"] is True
    assert not [i for i in local_stack.invocations if i.error]
    synced = [
        json.loads(line.line)
        for line in local_stack.logs
        if line.function == "CrmToEmailFunction" and '"synced"' in line.line
    ]
    assert sum(entry.get("refused", 0) for entry in synced) == 1  # SES's own unsubscribe is recorded and kept


def _event(n: int, vendor: str) -> CustomerEvent:
    identity = IdentityKeys(emails=["sam@example.org"])
    data: object = (
        PurchaseCompleted(order_id=f"sq-{n}", total=Money(amount=100 + n, currency="GBP"), items=(LineItem(title="Mug"),))
        if vendor == "square"
        else TicketBooked(order_id=f"eb-{n}", event_ref="exh-dinosaurs-2026", event_name="Dinosaurs Unearthed")
    )
    return CustomerEvent.create(
        source=vendor, vendor_event_id=f"{vendor}-{n}", time=T0 + timedelta(seconds=n), identity=identity, data=data
    )


def test_two_workers_merging_one_persons_events_from_two_fifo_groups_lose_no_update(
    start_local_stack: StartStack,
) -> None:
    stack = start_local_stack(pollers_for={"PosToCrmFunction"})
    sqs = stack.client("sqs")
    queue = stack.resources["EventsQueue"]
    events = {vendor: [_event(n, vendor) for n in range(10)] for vendor in ("square", "eventbrite")}
    for vendor, batch in events.items():  # one FIFO group per vendor: SQS hands the two to different pollers
        sqs.send_message_batch(
            QueueUrl=queue,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": e.model_dump_json(),
                    "MessageGroupId": f"{vendor}-sam",
                    "MessageDeduplicationId": e.id,
                }
                for i, e in enumerate(batch)
            ],
        )
    stack.wait_idle(timeout=60)

    runs = [i for i in stack.invocations if i.function == "PosToCrmFunction"]
    assert any(a.start < b.end and b.start < a.end for a in runs for b in runs if a is not b), "ran concurrently"
    store = ProfileStore(stack.resources["Table"], stack.client("dynamodb"))
    owner = store.owner_of(IdentityKey("email", "sam@example.org"))
    assert owner is not None
    sam = store.get(owner)
    assert sam is not None
    every = {e.id for batch in events.values() for e in batch}
    assert every <= {e.id for e in store.timeline(owner, limit=1000)}, "every event on the one surviving profile"
    assert {b.order_id for b in sam.profile.bookings} == {f"eb-{n}" for n in range(10)}
    assert {p.order_id for p in sam.profile.purchases} >= {f"sq-{n}" for n in range(10)}
    dlq = stack.resources["EventsDLQ"]
    assert stack.queue_depths([dlq])[dlq]["visible"] == 0


def test_every_hop_is_traced_to_the_webhook_that_started_it(local_stack: LocalStack) -> None:
    body = json.dumps(
        {
            "specversion": "1.0",
            "id": "trace-1",
            "source": "tills",
            "type": "membership.purchased",
            "time": "2026-11-30T10:00:00Z",
            "identity": {"emails": ["tia@example.org"]},
            "data": {"tier": "individual", "term_months": 12},
        }
    ).encode()
    reply = local_stack.post_webhook("cloudevents", body, timeout=20)
    assert reply.status_code == 200
    webhook = reply.headers["apigw-requestid"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(i.function == "CrmToEmailFunction" for i in local_stack.invocations):
        time.sleep(0.1)
    local_stack.wait_idle(timeout=30)

    hops = {i.function: i for i in local_stack.invocations if webhook in i.roots}
    assert {"WebhookIngestFunction", "PosToCrmFunction", "CrmToEmailFunction"} <= set(hops)
    assert all(i.roots == frozenset({webhook}) for i in hops.values())
    roots = {parse_trace_header(i.trace)["Root"] for i in hops.values()}
    assert len(roots) == 1, "one trace from the webhook to the email destination"
    logged = [
        json.loads(line.line)
        for line in local_stack.logs
        if line.function == "PosToCrmFunction" and line.line.startswith("{")
    ]
    assert {entry.get("xray_trace_id") for entry in logged} & roots, "the handlers log the trace"


def test_the_local_ses_logs_each_contact_change_with_the_trace_of_the_call_that_made_it(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the freshness benchmark reads: a change of what the list holds is logged once, a no-op is not."""
    log = tmp_path / "contacts.jsonl"
    monkeypatch.setenv("JOURNEYSYNC_DESTINATION_LOG", str(log))
    ses = local_stack.client("sesv2")
    contacts = local_stack.resources["ContactList"]
    trace = "Root=1-6b133511-4d25bc80b538472fa45752ee;Parent=987eea1a825c424f;Sampled=0"
    ses.meta.events.register("before-sign.sesv2.*", lambda request, **_: request.headers.__setitem__("X-Amzn-Trace-Id", trace))
    topics = [{"TopicName": t["TopicName"], "SubscriptionStatus": "OPT_IN"}
              for t in ses.get_contact_list(ContactListName=contacts)["Topics"][:1]]
    ses.create_contact(ContactListName=contacts, EmailAddress="fresh@example.com", TopicPreferences=topics)
    ses.update_contact(ContactListName=contacts, EmailAddress="fresh@example.com", TopicPreferences=topics)
    ses.update_contact(ContactListName=contacts, EmailAddress="fresh@example.com", UnsubscribeAll=True)
    ses.delete_contact(ContactListName=contacts, EmailAddress="fresh@example.com")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["trace"] for line in lines] == [trace] * 3  # create, unsubscribe, delete: not the no-op update
    assert lines[0]["t"] <= lines[1]["t"] <= lines[2]["t"]


@pytest.fixture
def racy_threads() -> Iterator[None]:
    """Switch threads every microsecond, so a check-then-act in the moto server interleaves as on a busy CI box."""
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(saved)


def _fifo_queue(sqs: Any, name: str, visibility: int = 10) -> str:
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": str(visibility)}
    return str(sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:8]}.fifo", Attributes=attributes)["QueueUrl"])


def test_concurrent_receives_never_share_a_message_or_a_fifo_groups_turn(
    moto_endpoint: MotoEndpoint, racy_threads: None
) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint.url)
    groups = ("alice", "bob", "carol")
    for trial in range(6):
        url = _fifo_queue(sqs, f"race{trial}")
        for seq in range(7):
            for group in groups:
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"seq": seq, "g": group}), MessageGroupId=group)
        received: dict[str, list[int]] = {g: [] for g in groups}
        lock = threading.Lock()

        def poll(url: str = url, received: dict[str, list[int]] = received, lock: threading.Lock = lock) -> None:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and sum(map(len, received.values())) < 7 * len(groups):
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3).get("Messages") or []
                for message in got:
                    body = json.loads(message["Body"])
                    with lock:
                        received[body["g"]].append(body["seq"])
                if got:
                    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
                    sqs.delete_message_batch(QueueUrl=url, Entries=entries)

        pollers = [threading.Thread(target=poll) for _ in range(10)]
        for t in pollers:
            t.start()
        for t in pollers:
            t.join()
        assert received == {g: list(range(7)) for g in groups}, f"trial {trial}"


def test_a_long_poll_wakes_when_a_fifo_groups_message_is_deleted(moto_endpoint: MotoEndpoint) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint.url)
    url = _fifo_queue(sqs, "turn")
    for seq in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=str(seq), MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None  # the group's turn is taken

    def delete_soon() -> None:
        time.sleep(0.3)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])

    deleter = threading.Thread(target=delete_soon)
    started = time.monotonic()
    deleter.start()
    second = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages") or []
    waited = time.monotonic() - started
    deleter.join()
    assert [m["Body"] for m in second] == ["1"]
    assert 0.25 < waited < 2, waited  # held until the delete, not until the 5 s poll ran out
