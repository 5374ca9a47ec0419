"""Erasure against the moto server and a pinned Mailchimp: the contact is deleted permanently on both paths
(a `customer.forgotten` event through the profile hop, and the operator's `forget`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses

from journeysync.config.loader import load_config
from journeysync.destinations.mailchimp import MailchimpClient, MailchimpDestination, subscriber_hash
from journeysync.destinations.state import SyncStateStore
from journeysync.destinations.sync import Syncer, SyncInput, input_from_change
from journeysync.identity import IdentityKey
from journeysync.models import ConsentChanged, CustomerEvent, CustomerForgotten, IdentityKeys, MembershipPurchased
from journeysync.profile.forget import forget_everywhere
from journeysync.profile.resolve import ProfileEngine
from journeysync.segments.engine import SegmentEngine
from journeysync.store import ProfileStore
from tests.conftest import AwsResources

pytestmark = pytest.mark.integration

BASE = "https://us12.api.mailchimp.com/3.0"
CONFIG = load_config("infra/config")
NOW = datetime.now(UTC)
ANN = IdentityKeys(emails=["ann@example.com"])


def _member(store: ProfileStore) -> tuple[ProfileEngine, str]:
    engine = ProfileEngine(store, CONFIG)
    for n, data in enumerate((MembershipPurchased(tier="individual", term_months=12), ConsentChanged(status="subscribed"))):
        made = CustomerEvent.create(source="tills", vendor_event_id=f"e{n}", time=NOW - timedelta(hours=1),
                                    data=data, identity=ANN)
        engine.apply(made)
    engine.flush_records()
    owner = store.owner_of(IdentityKey("email", "ann@example.com"))
    assert owner is not None
    return engine, owner


def _syncer(aws: AwsResources) -> Syncer:
    mailchimp = MailchimpDestination(MailchimpClient(BASE, "key-us12", sleep=lambda _s: None), "L1")
    return Syncer(SegmentEngine(CONFIG.segments), [mailchimp], SyncStateStore(aws.table, aws.client("dynamodb")))


@pytest.fixture
def mailchimp() -> responses.RequestsMock:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{BASE}/lists/L1", json={"new_members": [], "updated_members": [], "errors": [], "error_count": 0})
        mock.post(f"{BASE}/lists/L1/members/{subscriber_hash('ann@example.com')}/actions/delete-permanent",
                  status=204)
        yield mock


def _permanent_deletes(mock: responses.RequestsMock) -> list[str]:
    return [c.request.url for c in mock.calls if c.request.url and c.request.url.endswith("delete-permanent")]


def test_a_customer_forgotten_event_deletes_the_mailchimp_member_permanently(
    aws: AwsResources, mailchimp: responses.RequestsMock
) -> None:
    store = ProfileStore(aws.table, aws.client("dynamodb"))
    engine, cid = _member(store)
    syncer = _syncer(aws)
    customer = store.get(cid)
    assert customer is not None
    syncer.sync([SyncInput(cid, customer)])
    forgotten = CustomerEvent.create(source="crm", vendor_event_id="gdpr-1", time=NOW, data=CustomerForgotten(),
                                     identity=ANN)
    outcome = engine.apply(forgotten)
    assert outcome.status == "forgotten"

    syncer.sync([input_from_change("m1", change) for change in outcome.changes])

    assert len(_permanent_deletes(mailchimp)) == 1
    state = SyncStateStore(aws.table, aws.client("dynamodb")).load({cid: SyncInput(cid, customer)}, ["mailchimp"])[0]
    assert state[(cid, "mailchimp")].forgotten and state[(cid, "mailchimp")].email is None  # PII-free marker


def test_the_operators_forget_deletes_the_member_permanently_before_erasing_the_profile(
    aws: AwsResources, mailchimp: responses.RequestsMock
) -> None:
    store = ProfileStore(aws.table, aws.client("dynamodb"))
    _, cid = _member(store)
    syncer = _syncer(aws)
    customer = store.get(cid)
    assert customer is not None
    syncer.sync([SyncInput(cid, customer)])

    removed = forget_everywhere(store, customer, syncer=syncer, archive_bucket=None, s3=None, sqs=None,
                                dead_letter_queues={}, publish=lambda changes: len(changes))

    assert len(_permanent_deletes(mailchimp)) == 1
    assert removed["destination:mailchimp"] == "contact deleted"
    assert removed["identity_keys"] == 1 and store.get(cid) is None
