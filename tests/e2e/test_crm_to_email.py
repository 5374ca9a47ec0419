"""crm_to_email through the whole local stack: bus → rule → queue → function → SES contact list in moto."""

from __future__ import annotations

import json
import time

import pytest
from journeysync_local.stack import LocalStack

from tests.crm_to_email_support import bus_entry, customer, profile_changed

pytestmark = pytest.mark.e2e


def _publish(stack: LocalStack, *changes: object) -> None:
    events = stack.client("events")
    resp = events.put_events(Entries=[bus_entry(c, stack.resources["EventBus"]) for c in changes])  # type: ignore[arg-type]
    assert resp["FailedEntryCount"] == 0


def _topics(stack: LocalStack, email: str) -> dict[str, str]:
    contact = stack.client("sesv2").get_contact(ContactListName=stack.resources["ContactList"], EmailAddress=email)
    return {p["TopicName"]: p["SubscriptionStatus"] for p in contact["TopicPreferences"]}, contact["UnsubscribeAll"]  # type: ignore[return-value]


def test_a_member_who_books_leaves_the_not_yet_booked_topic_and_an_unsubscribe_stays_after_full_sync(
    local_stack: LocalStack,
) -> None:
    member = customer("e2e-1", "grace@example.org", version=1)
    started = time.monotonic()
    _publish(local_stack, profile_changed(member))
    local_stack.wait_idle(timeout=20)
    topics, unsubscribed_all = _topics(local_stack, "grace@example.org")
    assert topics["members"] == "OPT_IN"
    assert topics["dino-promo"] == "OPT_IN"  # an active member who has not booked the exhibition yet
    assert topics["museum"] == "OPT_IN"
    assert topics["vip"] == "OPT_OUT"
    assert unsubscribed_all is False

    booked = customer("e2e-1", "grace@example.org", version=2, booked=("exh-dinosaurs-2026",))
    _publish(local_stack, profile_changed(booked))
    local_stack.wait_idle(timeout=20)
    topics, _ = _topics(local_stack, "grace@example.org")
    assert topics["dino-promo"] == "OPT_OUT"  # no more "you haven't booked yet"
    assert topics["dino-booked"] == "OPT_IN"
    assert time.monotonic() - started < 15

    gone = customer("e2e-1", "grace@example.org", version=3, consent="unsubscribed", booked=("exh-dinosaurs-2026",))
    _publish(local_stack, profile_changed(gone))
    local_stack.wait_idle(timeout=20)
    topics, unsubscribed_all = _topics(local_stack, "grace@example.org")
    assert unsubscribed_all is True
    assert set(topics.values()) == {"OPT_OUT"}

    # the profile store holds the unsubscribed customer; a full sync must leave the contact suppressed
    from journeysync.store.profiles import ProfileStore

    ProfileStore(local_stack.resources["Table"], client=local_stack.client("dynamodb")).restore(gone)
    [result] = local_stack.fire_schedule("CrmToEmailFullSyncFunction")
    assert result["complete"] is True
    topics, unsubscribed_all = _topics(local_stack, "grace@example.org")
    assert unsubscribed_all is True
    assert set(topics.values()) == {"OPT_OUT"}


def test_a_forgotten_customer_is_deleted_from_the_contact_list(local_stack: LocalStack) -> None:
    member = customer("e2e-2", "alan@example.org", version=1)
    _publish(local_stack, profile_changed(member))
    local_stack.wait_idle(timeout=20)
    forgotten = customer("e2e-2", None, version=2)
    _publish(local_stack, profile_changed(forgotten, forgotten=True))
    local_stack.wait_idle(timeout=20)
    contacts = local_stack.client("sesv2").list_contacts(ContactListName=local_stack.resources["ContactList"])
    assert "alan@example.org" not in {c["EmailAddress"] for c in contacts["Contacts"]}


def test_a_malformed_profile_changed_is_dead_lettered_with_its_reason(local_stack: LocalStack) -> None:
    bus = local_stack.resources["EventBus"]
    local_stack.client("events").put_events(
        Entries=[
            {
                "Source": "journeysync.profiles",
                "DetailType": "ProfileChanged",
                "Detail": json.dumps({"customer_id": "x"}),
                "EventBusName": bus,
            }
        ]
    )
    local_stack.wait_idle(timeout=20)
    sqs = local_stack.client("sqs")
    got = sqs.receive_message(
        QueueUrl=local_stack.resources["CrmToEmailDLQ"], MessageAttributeNames=["All"], WaitTimeSeconds=1
    )["Messages"]
    assert "bad ProfileChanged" in got[0]["MessageAttributes"]["reason"]["StringValue"]
