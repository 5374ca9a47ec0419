"""reconcile through the whole local stack: tamper with SES, drop webhooks, reconcile, and it all comes back.

Members are made the real way (canonical events → pos_to_crm → ProfileChanged → crm_to_email → SES);
then one contact is deleted at SES, a stranger is added, one member unsubscribes at SES, one gets a
topic by hand, and a Square payment and a Shopify order exist at the vendors (the stand-in's list
APIs) whose webhooks never came — plus one payment whose webhook did. `--dry-run` finds it all and
changes nothing; the real run repairs it; the consent lands in the profile; a second run is clean.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from journeysync_local.stack import LocalStack
from journeysync_local.vendor_standin import VendorStandIn
from typer.testing import CliRunner

from journeysync.identity import IdentityKey
from journeysync.models import ConsentChanged, CustomerEvent, IdentityKeys, MembershipPurchased, Money
from journeysync.queueing import send_events
from journeysync.store import ProfileStore
from journeysync_cli.main import app
from tests.e2e.fixtures import StartStack
from tests.events import load_sample

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC)
MEMBERS = [f"member{i}@example.org" for i in range(4)]


@pytest.fixture
def standin() -> Iterator[VendorStandIn]:
    server = VendorStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def stack(start_local_stack: StartStack, standin: VendorStandIn, tmp_path: Path) -> Iterator[LocalStack]:
    saved = dict(os.environ)
    state = tmp_path / "stack.json"
    os.environ["JOURNEYSYNC_STATE_FILE"] = str(state)
    params = {"SquareApiUrl": standin.url, "ShopifyApiUrl": f"{standin.url}/admin/api/2025-10"}
    try:
        yield start_local_stack(state_file=state, parameters=params,
                                pollers_for={"PosToCrmFunction", "CrmToEmailFunction", "WebhookEnrichFunction"})
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from journeysync.aws import reset_clients
        from journeysync.settings import get_settings

        reset_clients()
        get_settings.cache_clear()


def _members(stack: LocalStack) -> None:
    events = []
    for i, email in enumerate(MEMBERS):
        who = IdentityKeys(emails=[email])
        at = NOW - timedelta(days=40, minutes=i)
        events.append(CustomerEvent.create(source="square", vendor_event_id=f"m-{i}", time=at, identity=who, data=(
            MembershipPurchased(tier="individual", term_months=12, channel="pos", amount=Money(amount=6500, currency="GBP"),
                                order_id=f"ord-{i}"))))
        events.append(CustomerEvent.create(source="cloudevents", vendor_event_id=f"c-{i}", time=at, identity=who,
                                           data=ConsentChanged(status="subscribed", explicit=True)))
    send_events(stack.resources["EventsQueue"], events, sqs=stack.client("sqs"))
    stack.wait_idle(timeout=30)


def _contact(stack: LocalStack, email: str) -> dict[str, Any] | None:
    ses = stack.client("sesv2")
    found = [c for c in ses.list_contacts(ContactListName=stack.resources["ContactList"])["Contacts"]
             if c["EmailAddress"] == email]
    return found[0] if found else None


def _opted_in(contact: dict[str, Any]) -> set[str]:
    return {p["TopicName"] for p in contact.get("TopicPreferences") or [] if p["SubscriptionStatus"] == "OPT_IN"}


def _tamper(stack: LocalStack, standin: VendorStandIn) -> None:
    ses, cl = stack.client("sesv2"), stack.resources["ContactList"]
    ses.delete_contact(ContactListName=cl, EmailAddress=MEMBERS[0])  # missing
    ses.create_contact(ContactListName=cl, EmailAddress="stranger@example.net",  # extra
                       TopicPreferences=[{"TopicName": "members", "SubscriptionStatus": "OPT_IN"}])
    member1 = _contact(stack, MEMBERS[1])
    assert member1 is not None
    ses.update_contact(ContactListName=cl, EmailAddress=MEMBERS[1],  # unsubscribed at SES
                       TopicPreferences=member1["TopicPreferences"], UnsubscribeAll=True)
    member2 = _contact(stack, MEMBERS[2])
    assert member2 is not None
    prefs = [p if p["TopicName"] != "vip" else {**p, "SubscriptionStatus": "OPT_IN"} for p in member2["TopicPreferences"]]
    ses.update_contact(ContactListName=cl, EmailAddress=MEMBERS[2], TopicPreferences=prefs, UnsubscribeAll=False)  # stale

    # a payment whose webhook arrived …
    sample = load_sample("square", "payment-completed-no-order").json()
    arrived = {**sample["data"]["object"]["payment"], "id": "PAY-ARRIVED", "created_at": (NOW - timedelta(hours=3)).isoformat()}
    body = json.dumps({**sample, "event_id": "evt-arrived", "data": {**sample["data"], "id": "PAY-ARRIVED",
                                                                       "object": {"payment": arrived}}}).encode()
    assert stack.post_webhook("square", body, now=NOW, timeout=10).status_code == 200
    standin.seed("square", "payments", "PAY-ARRIVED", arrived)
    # … and one, plus a Shopify order, whose webhooks never came
    dropped = {**arrived, "id": "PAY-DROPPED", "buyer_email_address": "dropped.square@example.org",
               "created_at": (NOW - timedelta(hours=2)).isoformat()}
    standin.seed("square", "payments", "PAY-DROPPED", dropped)
    order = {**load_sample("shopify", "orders-paid").json(), "id": 555001, "email": "dropped.shop@example.org",
             "created_at": (NOW - timedelta(hours=1)).isoformat()}
    order["customer"] = {**order["customer"], "id": 555002, "email": "dropped.shop@example.org", "phone": None}
    standin.seed("shopify", "orders", "555001", order)
    stack.wait_idle(timeout=30)


def _cli(*args: str) -> dict[str, Any]:
    got = CliRunner().invoke(app, ["reconcile", *args, "--json"])
    assert got.exit_code == 0, got.output
    doc: dict[str, Any] = json.loads(got.output)
    return doc


def test_reconcile_repairs_tampered_destinations_and_dropped_webhooks_and_a_second_run_is_clean(
    stack: LocalStack, standin: VendorStandIn
) -> None:
    _members(stack)
    assert all(_contact(stack, e) for e in MEMBERS)
    _tamper(stack, standin)

    dry = _cli("--dry-run")
    assert dry["drift"] == {"missing": 1, "extra": 1, "stale": 1, "consent_mismatch": 1, "missed_webhook": 2}
    assert set(dry["repaired"].values()) == {0}
    assert _contact(stack, MEMBERS[0]) is None  # nothing changed
    assert _contact(stack, "stranger@example.net") is not None
    assert stack.client("s3").list_objects_v2(Bucket=stack.resources["ArchiveBucket"], Prefix="reports/").get("KeyCount") == 0

    [first] = stack.fire_schedule("ReconcileFunction")
    assert first["drift"] == dry["drift"]
    assert first["repaired"] == first["drift"], first["failures"]
    stack.wait_idle(timeout=30)

    restored = _contact(stack, MEMBERS[0])
    assert restored is not None and "members" in _opted_in(restored)
    assert _contact(stack, "stranger@example.net") is None
    member2 = _contact(stack, MEMBERS[2])
    assert member2 is not None and "vip" not in _opted_in(member2)
    store = ProfileStore(stack.resources["Table"], stack.client("dynamodb"))
    owner = store.owner_of(IdentityKey("email", MEMBERS[1]))
    assert owner is not None
    profile = store.get(owner)
    assert profile is not None and profile.profile.email_consent.status == "unsubscribed"  # pulled into the ledger
    unsubscribed = _contact(stack, MEMBERS[1])
    assert unsubscribed is not None and unsubscribed["UnsubscribeAll"] is True  # never overwritten
    for email in ("dropped.square@example.org", "dropped.shop@example.org"):
        assert store.owner_of(IdentityKey("email", email)) is not None, email

    keys = [o["Key"] for o in stack.client("s3").list_objects_v2(
        Bucket=stack.resources["ArchiveBucket"], Prefix="reports/reconcile/")["Contents"]]
    assert {k.rsplit(".", 1)[-1] for k in keys} == {"json", "html"}

    second = _cli()
    assert set(second["drift"].values()) == {0}, second


def test_the_demo_step_tampers_reconciles_and_the_second_run_is_clean(stack: LocalStack, standin: VendorStandIn) -> None:
    from journeysync_local.demo.reconcile_step import tamper_and_reconcile

    _members(stack)
    result = tamper_and_reconcile(stack, standin, missing=1, strangers=1, unsubscribes=1, dropped=1)
    first = result["first"]
    assert first["drift"] == {"missing": 1, "extra": 1, "stale": 0, "consent_mismatch": 1, "missed_webhook": 2}
    assert first["repaired"] == first["drift"]
    assert set(result["second"]["drift"].values()) == {0}
    assert result["lines"]
