"""The whole local stack: events on the FIFO queue → pos_to_crm → profile; the CLI reads and erases it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from journeysync_local.stack import LocalStack
from typer.testing import CliRunner

from journeysync.identity import IdentityKey
from journeysync.models import (
    CustomerEvent,
    CustomerUpdated,
    IdentityKeys,
    MembershipPurchased,
    Money,
    PurchaseCompleted,
    SurveyResponded,
    TicketBooked,
    TicketCheckedIn,
)
from journeysync.models.events import LineItem
from journeysync.queueing import send_events
from journeysync.store import ProfileStore
from tests.e2e.cli_support import cli

pytestmark = pytest.mark.e2e

T0 = datetime.now(UTC) - timedelta(hours=2)
ANN = IdentityKeys(emails=["Ann.Lee@Example.com"], phones=["+447911123456"], external={"square": "SQ-CUST-1"})


def _day() -> list[CustomerEvent]:
    def ev(n: str, minutes: int, data: object, identity: IdentityKeys = ANN, source: str = "square") -> CustomerEvent:
        return CustomerEvent.create(source=source, vendor_event_id=n, time=T0 + timedelta(minutes=minutes),
                                    identity=identity, data=data)

    return [
        ev("pay-1", 0, MembershipPurchased(tier="individual", term_months=12, channel="pos",
                                           amount=Money(amount=6500, currency="GBP"), order_id="ord-1")),
        ev("upd-1", 1, CustomerUpdated(given_name="Ann", family_name="Lee")),
        ev("bk-1", 10, TicketBooked(order_id="tk-1", event_ref="exh-dinosaurs-2026", event_name="Dinosaurs Unearthed"),
           IdentityKeys(emails=["ann.lee@example.com"]), "eventbrite"),
        ev("in-1", 60, TicketCheckedIn(order_id="tk-1", event_ref="exh-dinosaurs-2026"),
           IdentityKeys(phones=["+447911123456"]), "eventbrite"),
        ev("sv-1", 90, SurveyResponded(response_id="d-1", scale="nps", score=10), source="delighted"),
        ev("sv-2", 91, SurveyResponded(response_id="d-1", scale="nps", score=10, comment="Wonderful"),
           source="delighted"),
    ]


def _profile(stack: LocalStack) -> tuple[ProfileStore, str]:
    store = ProfileStore(stack.resources["Table"], stack.client("dynamodb"))
    owner = store.owner_of(IdentityKey("email", "ann.lee@example.com"))
    assert owner is not None
    return store, owner


def test_a_till_membership_payment_can_book_online_and_replays_change_nothing(local_stack: LocalStack) -> None:
    sqs = local_stack.client("sqs")
    queue = local_stack.resources["EventsQueue"]
    events = _day()
    send_events(queue, events[:1], sqs=sqs)
    local_stack.wait_idle(timeout=20)
    store, cid = _profile(local_stack)
    customer = store.get(cid)
    assert customer is not None
    assert customer.profile.membership.can_book_online is True
    assert customer.journeys["membership"].stage == "joined"

    send_events(queue, events[1:], sqs=sqs)
    local_stack.wait_idle(timeout=20)
    settled = store.get(cid)
    assert settled is not None
    assert settled.profile.visits == 1 and settled.profile.vip is True
    assert settled.profile.ratings[0].comment == "Wonderful"
    assert settled.journeys["membership"].stage == "engaged"

    # every delivery again, twice, in reverse order, with fresh SQS dedup ids (past the 5-minute window)
    for _ in range(2):
        for i, event in enumerate(reversed(events)):
            sqs.send_message(QueueUrl=queue, MessageBody=event.model_dump_json(), MessageGroupId=event.group_key(),
                             MessageDeduplicationId=f"replay-{_}-{i}")
    local_stack.wait_idle(timeout=30)
    replayed = store.get(cid)
    assert replayed is not None
    assert replayed.header.version == settled.header.version
    assert replayed.model_dump(exclude={"header"}) == settled.model_dump(exclude={"header"})
    assert not [i for i in local_stack.invocations if i.error]
    assert not local_stack.queue_depths([local_stack.resources["EventsDLQ"]])[local_stack.resources["EventsDLQ"]][
        "visible"]



def test_profile_get_shows_the_profile_and_forget_erases_it_everywhere(cli_stack: LocalStack) -> None:
    from journeysync_cli.main import app

    events = _day()
    bucket = cli_stack.resources["ArchiveBucket"]
    s3 = cli_stack.client("s3")
    s3.put_object(Bucket=bucket, Key="raw/square/pay-1.json", Body=b'{"raw": true}')
    events[0] = events[0].model_copy(update={"archive_key": "raw/square/pay-1.json"})
    events.append(CustomerEvent.create(
        source="square", vendor_event_id="shop-1", time=T0, identity=IdentityKeys(),
        data=PurchaseCompleted(order_id="x", total=Money(amount=1, currency="GBP"), items=(LineItem(title="Mug"),)),
    ))
    send_events(cli_stack.resources["EventsQueue"], events, sqs=cli_stack.client("sqs"))
    cli_stack.wait_idle(timeout=30)

    runner = CliRunner()
    got = runner.invoke(app, ["profile", "get", "--phone", "+44 7911 123456", "--json"])
    assert got.exit_code == 0, got.output
    data = json.loads(got.output)
    assert data["profile"]["membership"]["can_book_online"] is True
    assert "email:ann.lee@example.com" in data["identity_keys"]
    assert data["journeys"]["membership"]["stage"] == "engaged"
    assert [e["type"] for e in data["timeline"]][:1] == ["survey.responded"]
    assert len(data["timeline"]) == 6
    human = runner.invoke(app, ["profile", "get", "--email", "ANN.LEE@example.com"])
    assert human.exit_code == 0 and "can book online: yes" in human.output

    # forget publishes, so handlers run while it prints
    summary = cli("forget", "--email", "ann.lee@example.com", "--json")
    removed = summary["removed"]
    assert removed["archived_payloads"] == 1 and removed["customer_forgotten_published"] is True
    cli_stack.wait_idle(timeout=20)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="raw/square/")
    missing = runner.invoke(app, ["profile", "get", "--email", "ann.lee@example.com"])
    assert missing.exit_code == 1 and "no such customer" in missing.output
