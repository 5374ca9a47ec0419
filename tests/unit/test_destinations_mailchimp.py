"""Mailchimp Marketing v3 contract: recorded-shape responses at https://<dc>.api.mailchimp.com/3.0/lists/{id}."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from journeysync.destinations.mailchimp import MailchimpClient, MailchimpDestination, base_url_for, subscriber_hash
from journeysync.destinations.model import ContactState, desired_for, plan
from tests.crm_to_email_support import customer

BASE = "https://us12.api.mailchimp.com/3.0"
BATCH = f"{BASE}/lists/L1"


def _dest(**kw: Any) -> MailchimpDestination:
    client = MailchimpClient(BASE, "key-us12", sleep=lambda _s: None, **kw)
    return MailchimpDestination(client, "L1")


def _change(c: Any, tags: set[str], state: ContactState | None = None) -> Any:
    change = plan("mailchimp", desired_for(c, frozenset(tags)), state)
    assert change is not None
    return change


def _ok(members: list[dict[str, Any]] | None = None, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "new_members": members or [],
        "updated_members": [],
        "errors": errors or [],
        "total_created": len(members or []),
        "total_updated": 0,
        "error_count": len(errors or []),
    }


def test_the_data_centre_comes_from_the_key_suffix() -> None:
    assert base_url_for("abc123-us12") == BASE
    assert base_url_for("abc", "us3") == "https://us3.api.mailchimp.com/3.0"
    assert subscriber_hash(" Ada@Example.org ") == subscriber_hash("ada@example.org")


@responses.activate
def test_a_thousand_adds_are_two_batch_requests_with_status_if_new_only() -> None:
    responses.post(BATCH, json=_ok())
    dest = _dest()
    changes = [_change(customer(f"c{i}", f"p{i}@example.org", ledger=[]), {"Member"}) for i in range(1000)]
    outcomes = dest.apply(changes)
    assert len(responses.calls) == 2
    assert all(o.status == "ok" for o in outcomes.values())
    body = json.loads(responses.calls[0].request.body)
    assert len(body["members"]) == 500 and body["update_existing"] is True
    member = body["members"][0]
    assert member["status_if_new"] == "subscribed"
    assert "status" not in member  # never `status` unless the customer's own newest action says so
    assert member["tags"] == ["Member"]
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_per_member_errors_fail_only_that_member() -> None:
    responses.post(
        BATCH,
        json=_ok(
            errors=[
                {
                    "email_address": "bad@example.org",
                    "error": "bad@example.org looks fake or invalid, please enter a real email address.",
                    "error_code": "ERROR_GENERIC",
                }
            ]
        ),
    )
    good = _change(customer("c1", "good@example.org"), {"Member"})
    bad = _change(customer("c2", "bad@example.org"), {"Member"})
    outcomes = _dest().apply([good, bad])
    assert outcomes["c1"].status == "ok"
    assert outcomes["c2"].status == "fatal" and "looks fake" in outcomes["c2"].reason


@responses.activate
def test_member_in_compliance_state_is_a_refusal_never_forced() -> None:
    responses.post(
        BATCH,
        json=_ok(
            errors=[
                {
                    "email_address": "gone@example.org",
                    "error": "gone@example.org is in a compliance state due to unsubscribe, bounce, or compliance "
                    "review and cannot be subscribed.",
                    "error_code": "ERROR_CONTACT_EXISTS",
                }
            ]
        ),
    )
    outcomes = _dest().apply([_change(customer("c1", "gone@example.org", ledger=[]), {"Member"})])
    assert outcomes["c1"].status == "refused"
    assert len(responses.calls) == 1  # no re-opt-in attempt without the customer's own explicit action


@responses.activate
def test_an_explicit_re_opt_in_refused_for_compliance_is_retried_once_as_pending() -> None:
    compliance = _ok(errors=[{"email_address": "ada@example.org", "error": "Member In Compliance State"}])
    responses.post(BATCH, json=compliance)
    responses.post(BATCH, json=_ok())
    state = ContactState("c1", "mailchimp", 1, "ada@example.org", frozenset({"Member"}), suppressed=True)
    change = _change(customer(version=2, explicit=True), {"Member"}, state)
    assert change.desired.own_action == "subscribed"
    outcomes = _dest().apply([change])
    first, second = (json.loads(c.request.body)["members"][0] for c in responses.calls)
    assert first["status"] == "subscribed"
    assert second["status"] == "pending"  # Mailchimp mails a confirmation the customer must click
    assert outcomes["c1"].status == "ok"


@responses.activate
def test_a_400_compliance_problem_document_is_a_refusal() -> None:
    responses.post(
        BATCH, status=400, json={"title": "Member In Compliance State", "status": 400, "detail": "cannot re-subscribe"}
    )
    outcomes = _dest().apply([_change(customer(), {"Member"})])
    assert outcomes["c1"].status == "refused"


@responses.activate
def test_429_is_retried_with_backoff_then_succeeds() -> None:
    responses.post(BATCH, status=429, json={"title": "Too Many Requests", "status": 429})
    responses.post(BATCH, json=_ok())
    outcomes = _dest().apply([_change(customer(), {"Member"})])
    assert outcomes["c1"].status == "ok"
    assert len(responses.calls) == 2


@responses.activate
def test_a_bare_403_is_throttling_and_persisting_returns_the_record_to_the_queue() -> None:
    for _ in range(4):
        responses.post(BATCH, status=403, body="")
    outcomes = _dest().apply([_change(customer(), {"Member"})])
    assert outcomes["c1"].status == "retriable"
    assert len(responses.calls) == 4


@responses.activate
def test_a_403_problem_document_is_fatal() -> None:
    responses.post(BATCH, status=403, json={"title": "Forbidden", "status": 403, "detail": "You don't have access"})
    outcomes = _dest().apply([_change(customer(), {"Member"})])
    assert outcomes["c1"].status == "fatal" and "Forbidden" in outcomes["c1"].reason


@responses.activate
def test_a_lost_tag_is_set_inactive_and_an_unsubscribe_sends_status() -> None:
    responses.post(BATCH, json=_ok())
    tags_url = f"{BATCH}/members/{subscriber_hash('ada@example.org')}/tags"
    responses.post(tags_url, status=204)
    state = ContactState("c1", "mailchimp", 1, "ada@example.org", frozenset({"Member", "Dino not booked"}), True)
    change = _change(customer(version=2, consent="unsubscribed"), {"Member"}, state)
    outcomes = _dest().apply([change])
    assert outcomes["c1"].status == "ok"
    member = json.loads(responses.calls[0].request.body)["members"][0]
    assert member["status"] == "unsubscribed" and member["status_if_new"] == "unsubscribed"
    assert json.loads(responses.calls[1].request.body) == {"tags": [{"name": "Dino not booked", "status": "inactive"}]}


@responses.activate
def test_a_cleaned_address_is_archived_and_a_forget_deletes_permanently() -> None:
    h = subscriber_hash("ada@example.org")
    responses.delete(f"{BATCH}/members/{h}", status=204)
    responses.post(f"{BATCH}/members/{h}/actions/delete-permanent", status=204)
    state = ContactState("c1", "mailchimp", 1, "ada@example.org", frozenset({"Member"}), True)
    cleaned = _change(customer(version=2, consent="cleaned"), {"Member"}, state)
    assert _dest().apply([cleaned])["c1"].status == "ok"
    forget = plan("mailchimp", desired_for(customer(version=3), frozenset(), forgotten=True), state)
    assert forget is not None
    assert _dest().apply([forget])["c1"].status == "ok"
    assert [c.request.method for c in responses.calls] == ["DELETE", "POST"]


@pytest.mark.parametrize("status", [500, 503])
@responses.activate
def test_server_errors_are_retriable(status: int) -> None:
    for _ in range(4):
        responses.post(BATCH, status=status, json={"title": "oops"})
    assert _dest().apply([_change(customer(), {"Member"})])["c1"].status == "retriable"
