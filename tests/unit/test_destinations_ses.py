"""SES v2 paths moto does not emulate (AlreadyExists, filters, pagination, throttling), with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from journeysync.destinations.model import ContactState, desired_for, plan
from journeysync.destinations.ses import SesDestination
from tests.crm_to_email_support import customer

TOPICS = ["members", "museum", "vip"]


@pytest.fixture
def ses() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("sesv2", region_name="eu-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _prefs(**status: str) -> list[dict[str, str]]:
    return [{"TopicName": t, "SubscriptionStatus": status.get(t, "OPT_OUT")} for t in TOPICS]


def test_already_exists_reads_the_contact_then_updates_every_topic(ses: tuple[Any, Stubber]) -> None:
    client, stub = ses
    create = {
        "ContactListName": "L",
        "EmailAddress": "ada@example.org",
        "TopicPreferences": _prefs(members="OPT_IN", museum="OPT_IN"),
        "UnsubscribeAll": False,
    }
    stub.add_client_error("create_contact", "AlreadyExistsException", http_status_code=400, expected_params=create)
    stub.add_response(
        "get_contact",
        {"EmailAddress": "ada@example.org", "TopicPreferences": _prefs(vip="OPT_IN"), "UnsubscribeAll": False},
        {"ContactListName": "L", "EmailAddress": "ada@example.org"},
    )
    stub.add_response("update_contact", {}, create)
    change = plan("ses", desired_for(customer(), frozenset({"members", "museum"})), None)
    assert change is not None
    outcomes = SesDestination("L", TOPICS, client=client).apply([change])
    assert outcomes["c1"].status == "ok"


def test_an_opt_out_only_update_needs_no_read(ses: tuple[Any, Stubber]) -> None:
    client, stub = ses
    stub.add_response(
        "update_contact",
        {},
        {
            "ContactListName": "L",
            "EmailAddress": "ada@example.org",
            "TopicPreferences": _prefs(members="OPT_IN"),
            "UnsubscribeAll": False,
        },
    )
    state = ContactState("c1", "ses", 1, "ada@example.org", frozenset({"members", "museum"}), subscribed=True)
    change = plan("ses", desired_for(customer(version=2), frozenset({"members"})), state)
    assert change is not None
    dest = SesDestination("L", TOPICS, client=client)
    assert dest.apply([change])["c1"].status == "ok"
    assert dest.requests_made == 1


def test_a_contact_opted_out_of_a_topic_at_ses_stays_opted_out(ses: tuple[Any, Stubber]) -> None:
    client, stub = ses
    stub.add_response(
        "get_contact",
        {"EmailAddress": "ada@example.org", "TopicPreferences": _prefs(members="OPT_OUT"), "UnsubscribeAll": False},
        {"ContactListName": "L", "EmailAddress": "ada@example.org"},
    )
    stub.add_response(
        "update_contact",
        {},
        {
            "ContactListName": "L",
            "EmailAddress": "ada@example.org",
            "TopicPreferences": _prefs(museum="OPT_IN"),  # members kept OPT_OUT: the recipient chose it at SES
            "UnsubscribeAll": False,
        },
    )
    state = ContactState("c1", "ses", 1, "ada@example.org", frozenset({"members"}), subscribed=True)
    change = plan("ses", desired_for(customer(version=2), frozenset({"members", "museum"})), state)
    assert change is not None
    assert SesDestination("L", TOPICS, client=client).apply([change])["c1"].status == "ok"


def test_throttling_is_retriable_and_a_missing_list_is_fatal(ses: tuple[Any, Stubber]) -> None:
    client, stub = ses
    stub.add_client_error("create_contact", "TooManyRequestsException", http_status_code=429)
    stub.add_client_error("create_contact", "NotFoundException", "List with name: L doesn't exist.", 404)
    dest = SesDestination("L", TOPICS, client=client)
    first = plan("ses", desired_for(customer("c1"), frozenset({"members"})), None)
    second = plan("ses", desired_for(customer("c2", "b@example.org"), frozenset({"members"})), None)
    assert first is not None and second is not None
    outcomes = dest.apply([first, second])
    assert outcomes["c1"].status == "retriable"
    assert outcomes["c2"].status == "fatal" and "doesn't exist" in outcomes["c2"].reason


def test_deleting_a_contact_that_is_already_gone_is_fine(ses: tuple[Any, Stubber]) -> None:
    client, stub = ses
    stub.add_client_error("delete_contact", "NotFoundException", http_status_code=404)
    state = ContactState("c1", "ses", 1, "ada@example.org", frozenset({"members"}), subscribed=True)
    forget = plan("ses", desired_for(customer(version=2), frozenset(), forgotten=True), state)
    assert forget is not None
    assert SesDestination("L", TOPICS, client=client).apply([forget])["c1"].status == "ok"


def test_list_contacts_follows_pages_and_sends_the_topic_filter(ses: tuple[Any, Stubber]) -> None:
    client, stub = ses
    request = {
        "ContactListName": "L",
        "PageSize": 100,
        "Filter": {
            "FilteredStatus": "OPT_IN",
            "TopicFilter": {"TopicName": "members", "UseDefaultIfPreferenceUnavailable": True},
        },
    }
    stub.add_response(
        "list_contacts",
        {
            "Contacts": [{"EmailAddress": "a@example.org", "TopicPreferences": _prefs(members="OPT_IN")}],
            "NextToken": "t2",
        },
        request,
    )
    stub.add_response(
        "list_contacts",
        {
            "Contacts": [
                {"EmailAddress": "b@example.org", "TopicPreferences": _prefs(members="OPT_IN"), "UnsubscribeAll": False}
            ]
        },
        {**request, "NextToken": "t2"},
    )
    contacts = SesDestination("L", TOPICS, client=client).list_contacts(topic="members", status="OPT_IN")
    assert [c["email"] for c in contacts] == ["a@example.org", "b@example.org"]
    assert contacts[0] == {
        "email": "a@example.org",
        "unsubscribe_all": False,
        "topics": {"members": "OPT_IN", "museum": "OPT_OUT", "vip": "OPT_OUT"},
    }
