"""The diff (plan), the Syncer over in-memory destinations, and the consent-is-sacred property."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from journeysync.config import load_config
from journeysync.consent import fold_consent
from journeysync.destinations.mailchimp import MailchimpClient, MailchimpDestination
from journeysync.destinations.model import ContactState, desired_for, plan
from journeysync.destinations.ses import SesDestination
from journeysync.destinations.sync import Syncer, SyncInput
from journeysync.models.customer import ConsentRecord
from journeysync.segments import SegmentEngine
from tests.crm_to_email_support import NOW, FakeSes, MemoryStates, customer

ENGINE = SegmentEngine(load_config("infra/config").segments)
TOPICS = ENGINE.all_audiences("ses")


def _desired(c: Any, audiences: frozenset[str] = frozenset({"members"})) -> Any:
    return desired_for(c, audiences)


# ---------------------------------------------------------------------------- plan


def test_a_never_consented_customer_is_not_created_anywhere() -> None:
    assert plan("ses", _desired(customer(consent="unknown")), None) is None


def test_a_subscribed_customer_never_synced_is_created() -> None:
    change = plan("ses", _desired(customer()), None)
    assert change is not None and change.op == "upsert" and change.is_new


def test_a_suppressed_customer_never_synced_is_still_pushed_as_suppressed() -> None:
    change = plan("ses", _desired(customer(consent="unsubscribed")), None)
    assert change is not None and change.desired.suppressed and not change.desired.opted_in


def test_nothing_is_pushed_when_nothing_changed() -> None:
    d = _desired(customer(version=2))
    state = ContactState("c1", "ses", 1, d.email, d.audiences, subscribed=True)
    assert plan("ses", d, state) is None


def test_a_stale_event_changes_nothing() -> None:
    state = ContactState("c1", "ses", 5, "ada@example.org", frozenset(), subscribed=True)
    assert plan("ses", _desired(customer(version=4)), state) is None


def test_a_forget_deletes_permanently_and_a_later_event_cannot_recreate_the_contact() -> None:
    state = ContactState("c1", "ses", 1, "ada@example.org", frozenset({"members"}), subscribed=True)
    change = plan("ses", desired_for(customer(version=2), frozenset(), forgotten=True), state)
    assert change is not None and change.op == "delete" and change.permanent and change.email == "ada@example.org"
    tomb = ContactState("c1", "ses", 2, forgotten=True)
    assert plan("ses", _desired(customer(version=3)), tomb) is None


def test_an_email_change_is_an_upsert_of_the_new_address_with_the_old_one_to_delete() -> None:
    state = ContactState("c1", "ses", 1, "old@example.org", frozenset({"members"}), subscribed=True)
    change = plan("ses", _desired(customer(version=2)), state)
    assert change is not None and change.is_new and change.previous is state


def test_status_is_sent_only_for_the_customers_own_explicit_action() -> None:
    implicit = customer(explicit=False)
    assert desired_for(implicit, frozenset()).own_action is None
    explicit = customer(explicit=True)
    assert desired_for(explicit, frozenset()).own_action == "subscribed"
    snapshot_like = customer(ledger=[])  # snapshots strip the ledger: never `status: subscribed`
    assert desired_for(snapshot_like, frozenset()).own_action is None
    assert desired_for(customer(consent="unsubscribed"), frozenset()).own_action == "unsubscribed"


# ---------------------------------------------------------------------------- Syncer


def _syncer(ses: FakeSes, states: MemoryStates | None = None, mailchimp: Any = None) -> Syncer:
    dests: list[Any] = [SesDestination("list", TOPICS, client=ses)]
    if mailchimp is not None:
        dests.append(mailchimp)
    return Syncer(ENGINE, dests, states or MemoryStates(), clock=lambda: NOW)  # type: ignore[arg-type]


def test_the_second_identical_sync_makes_no_destination_call() -> None:
    ses = FakeSes()
    syncer = _syncer(ses)
    syncer.sync([SyncInput("k", customer())])
    calls = len(ses.calls)
    report = syncer.sync([SyncInput("k", customer(version=2))])
    assert len(ses.calls) == calls
    assert report.skipped["unchanged"] == 1


def test_booking_removes_the_not_yet_booked_topic_with_one_update_and_no_read() -> None:
    ses = FakeSes()
    syncer = _syncer(ses)
    syncer.sync([SyncInput("k", customer())])
    assert "dino-promo" in ses.opted_in("ada@example.org")
    ses.calls.clear()
    report = syncer.sync([SyncInput("k", customer(version=2, booked=("exh-dinosaurs-2026",)))])
    assert "dino-promo" not in ses.opted_in("ada@example.org")
    assert "dino-booked" in ses.opted_in("ada@example.org")
    assert [name for name, _ in ses.calls] == ["get_contact", "update_contact"]  # dino-booked is an opt-in
    assert report.audience_changes["ses:-dino-promo"] == 1


def test_the_update_sends_every_managed_topic_because_ses_replaces_them() -> None:
    ses = FakeSes()
    syncer = _syncer(ses)
    syncer.sync([SyncInput("k", customer())])
    syncer.sync([SyncInput("k", customer(version=2, consent="unsubscribed"))])
    name, kw = ses.calls[-1]
    assert name == "update_contact"
    assert {p["TopicName"] for p in kw["TopicPreferences"]} == set(TOPICS)
    assert kw["UnsubscribeAll"] is True


def test_an_unsubscribe_made_at_ses_is_kept_when_we_would_opt_in_again() -> None:
    ses = FakeSes()
    states = MemoryStates()
    syncer = _syncer(ses, states)
    syncer.sync([SyncInput("k", customer(divisions=()))])
    ses.contacts["ada@example.org"]["UnsubscribeAll"] = True  # the recipient used SES's subscription page
    report = syncer.sync([SyncInput("k", customer(version=2, divisions=("museum", "cinema")))])
    assert ses.opted_in("ada@example.org") == set()
    assert ses.contacts["ada@example.org"]["UnsubscribeAll"] is True
    assert report.refused == 1
    assert states.items[("c1", "ses")].refused


def test_a_contact_created_elsewhere_is_updated_after_already_exists() -> None:
    ses = FakeSes()
    ses.contacts["ada@example.org"] = {
        "EmailAddress": "ada@example.org",
        "TopicPreferences": [],
        "UnsubscribeAll": False,
    }
    report = _syncer(ses).sync([SyncInput("k", customer())])
    assert [n for n, _ in ses.calls] == ["create_contact", "get_contact", "update_contact"]
    assert report.outcomes["k"].status == "ok"
    assert "members" in ses.opted_in("ada@example.org")


def test_the_newest_of_several_events_for_one_customer_in_a_batch_wins() -> None:
    ses = FakeSes()
    report = _syncer(ses).sync(
        [SyncInput("a", customer(version=2, consent="unsubscribed")), SyncInput("b", customer(version=1))]
    )
    assert report.skipped["superseded"] == 1
    assert ses.contacts["ada@example.org"]["UnsubscribeAll"] is True


def test_a_merged_tombstone_releases_its_claim_without_touching_the_destination() -> None:
    ses = FakeSes()
    states = MemoryStates()
    syncer = _syncer(ses, states)
    syncer.sync([SyncInput("k", customer())])
    ses.calls.clear()
    tomb = customer(version=2)
    tomb.header.merged_into = "c2"
    syncer.sync([SyncInput("k", tomb, merged=True)])
    assert ses.calls == []
    assert states.items[("c1", "ses")].email is None


# ---------------------------------------------------------------------------- consent is sacred


class _FakeMailchimpSession:
    """Answers Mailchimp batch and tag calls; records what was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kw: Any) -> Any:
        import requests

        body = kw.get("json") or {}
        self.sent.append({"method": method, "url": url, "json": body})
        response = requests.Response()
        response.status_code = 200 if "members" in body else 204
        response._content = json.dumps({"errors": [], "new_members": [], "updated_members": []}).encode()
        return response


def _pushed_subscribed(ses: FakeSes, session: _FakeMailchimpSession, ses_from: int, mc_from: int) -> bool:
    for name, kw in ses.calls[ses_from:]:
        writes = name in ("create_contact", "update_contact") and not kw.get("UnsubscribeAll")
        if writes and any(p["SubscriptionStatus"] == "OPT_IN" for p in kw.get("TopicPreferences", [])):
            return True
    for sent in session.sent[mc_from:]:
        for member in sent["json"].get("members", []):
            if member.get("status") in ("subscribed", "pending") or member.get("status_if_new") == "subscribed":
                return True
    return False


_signal = st.tuples(
    st.sampled_from(["subscribed", "unsubscribed", "cleaned", "complained", "pending"]),
    st.booleans(),  # explicit
    st.integers(min_value=0, max_value=500),  # minutes after T0 (arrival order is the list order)
)
_step = st.one_of(
    st.tuples(st.just("signal"), _signal),
    st.tuples(st.just("sync"), st.booleans()),  # True: deliver a stale snapshot of an earlier version
    st.tuples(st.just("segments"), st.sampled_from([(), ("museum",), ("museum", "cinema")])),
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(_step, min_size=1, max_size=15))
def test_a_customer_whose_consent_is_suppressed_is_never_pushed_as_subscribed(steps: list[Any]) -> None:
    ses = FakeSes()
    session = _FakeMailchimpSession()
    client = MailchimpClient("https://us1.api.mailchimp.com/3.0", "k-us1", session=session)  # type: ignore[arg-type]
    states = MemoryStates()
    syncer = _syncer(ses, states, MailchimpDestination(client, "L"))
    ledger: list[ConsentRecord] = []
    divisions: tuple[str, ...] = ("museum",)
    snapshots: list[Any] = []
    version = 0
    for kind, arg in steps:
        if kind == "signal":
            status, explicit, minutes = arg
            ledger.append(
                ConsentRecord(
                    status=status,
                    source="test",
                    at=NOW + timedelta(minutes=minutes),
                    explicit=explicit,
                    event_id=f"e{len(ledger)}",
                )
            )
        elif kind == "segments":
            divisions = arg
        version += 1
        consent = fold_consent(ledger)
        current = customer(version=version, consent=consent.status, divisions=divisions, ledger=list(consent.ledger))
        current.profile.email_consent = consent
        snapshots.append(current)
        states.profiles["c1"] = current  # pos_to_crm commits, then publishes (deliveries may lag or reorder)
        if kind != "sync":
            continue
        deliver = snapshots[len(snapshots) // 2] if arg and len(snapshots) > 1 else current
        marks = (len(ses.calls), len(session.sent))
        syncer.sync([SyncInput("k", deliver)])
        newest_truth = fold_consent(ledger).status
        if newest_truth in ("unsubscribed", "cleaned", "complained"):
            assert not _pushed_subscribed(ses, session, *marks), (newest_truth, deliver.profile.email_consent)
        if newest_truth in ("unsubscribed", "cleaned", "complained"):
            assert ses.opted_in("ada@example.org") == set()
