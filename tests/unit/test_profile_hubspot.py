"""HubSpot contract (recorded answers at the real URL) and crm_push's per-record failure mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from journeysync.connectors.hubspot import UPSERT_PATH, HubSpotConnector
from journeysync.errors import FatalError, RetriableError
from journeysync.models import Customer
from journeysync.models.customer import Identity
from journeysync.profile.publish import chunks, entry, profile_changed
from journeysync.profile.push import contact_properties, push_changes, push_verdicts

URL = f"https://api.hubapi.com{UPSERT_PATH}"


def _hubspot(sleeps: list[float] | None = None) -> HubSpotConnector:
    slept = sleeps if sleeps is not None else []
    return HubSpotConnector("pat-test", sleep=slept.append, limiter=None)


def _contacts(*emails: str) -> dict[str, dict[str, str]]:
    return {e: {"email": e, "journeysync_membership_status": "active"} for e in emails}


@responses.activate
def test_batch_upsert_sends_inputs_keyed_by_email_with_the_token() -> None:
    responses.post(URL, status=200, json={"status": "COMPLETE", "results": [
        {"id": "101", "properties": {"email": "ann@example.com"}},
        {"id": "102", "properties": {"email": "bob@example.com"}},
    ]})
    result = _hubspot().upsert_contacts(_contacts("ann@example.com", "bob@example.com"))
    assert result.ok == ["ann@example.com", "bob@example.com"] and not result.failed
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer pat-test"
    body = json.loads(sent.body or b"{}")
    assert body["inputs"][0] == {"id": "ann@example.com", "idProperty": "email",
                                 "properties": {"email": "ann@example.com", "journeysync_membership_status": "active"}}


@responses.activate
def test_more_than_100_contacts_go_in_calls_of_at_most_100() -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        inputs = json.loads(request.body)["inputs"]
        results = [{"id": str(i), "properties": {"email": x["id"]}} for i, x in enumerate(inputs)]
        return 200, {}, json.dumps({"status": "COMPLETE", "results": results})

    responses.add_callback(responses.POST, URL, callback=answer)
    result = _hubspot().upsert_contacts(_contacts(*(f"m{i}@example.com" for i in range(230))))
    assert [len(json.loads(c.request.body)["inputs"]) for c in responses.calls] == [100, 100, 30]
    assert len(result.ok) == 230


@responses.activate
def test_a_207_fails_only_the_contacts_hubspot_refused() -> None:
    responses.post(URL, status=207, json={
        "status": "COMPLETE",
        "results": [{"id": "101", "properties": {"email": "ann@example.com"}}],
        "numErrors": 1,
        "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "Property values were not valid",
                    "context": {"ids": ["bob@example.com"]}}],
    })
    result = _hubspot().upsert_contacts(_contacts("ann@example.com", "bob@example.com"))
    assert result.ok == ["ann@example.com"]
    assert result.failed == {"bob@example.com": "VALIDATION_ERROR: Property values were not valid"}


@responses.activate
def test_a_429_is_retried_after_the_retry_after_the_vendor_asked_for() -> None:
    responses.post(URL, status=429, headers={"Retry-After": "2"}, json={"status": "error", "category": "RATE_LIMITS"})
    responses.post(URL, status=200, json={"results": [{"id": "1", "properties": {"email": "ann@example.com"}}]})
    sleeps: list[float] = []
    result = _hubspot(sleeps).upsert_contacts(_contacts("ann@example.com"))
    assert result.ok == ["ann@example.com"]
    assert sleeps == [2.0]
    assert len(responses.calls) == 2


@responses.activate
def test_a_long_retry_after_goes_back_to_the_queue_and_a_400_is_fatal() -> None:
    responses.post(URL, status=429, headers={"Retry-After": "60"}, json={"category": "RATE_LIMITS"})
    with pytest.raises(RetriableError) as retriable:
        _hubspot().upsert_contacts(_contacts("ann@example.com"))
    assert retriable.value.retry_after == 60.0
    responses.replace(responses.POST, URL, status=400, json={"category": "VALIDATION_ERROR", "message": "bad"})
    with pytest.raises(FatalError, match="400"):
        _hubspot().upsert_contacts(_contacts("ann@example.com"))


# ------------------------------------------------------------------ crm_push mapping


def _change(customer_id: str, email: str | None, version: int = 1, **kw: Any) -> Any:
    c = Customer(customer_id=customer_id, identity=Identity(emails=[email] if email else []))
    c.header.version = version
    return profile_changed(None, c, **kw)


class FakeHubSpot:
    def __init__(self, failed: dict[str, str] | None = None, raise_: Exception | None = None) -> None:
        self.upserts: list[dict[str, dict[str, str]]] = []
        self.deleted: list[str] = []
        self.failed = failed or {}
        self.raise_ = raise_

    def upsert_contacts(self, contacts: dict[str, dict[str, str]]) -> Any:
        from journeysync.connectors.hubspot import UpsertResult

        if self.raise_:
            raise self.raise_
        self.upserts.append(contacts)
        return UpsertResult(ok=[e for e in contacts if e not in self.failed], failed=dict(self.failed))

    def gdpr_delete(self, email: str) -> None:
        self.deleted.append(email)


def test_only_the_newest_version_of_a_customer_is_pushed() -> None:
    hub = FakeHubSpot()
    report = push_changes({"m1": _change("c1", "ann@example.com", 1), "m2": _change("c1", "ann@example.com", 3),
                           "m3": _change("c2", None)}, hub)
    assert list(hub.upserts[0]) == ["ann@example.com"]
    assert (report.upserted, report.superseded, report.skipped) == (1, 1, 1)


def test_refused_contacts_are_dead_lettered_and_throttling_is_retried() -> None:
    changes = {"m1": _change("c1", "ann@example.com"), "m2": _change("c2", "bob@example.com")}
    report = push_changes(changes, FakeHubSpot(failed={"bob@example.com": "VALIDATION_ERROR"}))
    assert report.dead == {"m2": "VALIDATION_ERROR"} and not report.retry
    throttled = push_changes(changes, FakeHubSpot(raise_=RetriableError("429")))
    assert set(throttled.retry) == {"m1", "m2"}


def test_a_forgotten_customer_is_gdpr_deleted_in_hubspot() -> None:
    before = Customer(customer_id="c1", identity=Identity(emails=["ann@example.com"]))
    gone = Customer(customer_id="c1")
    hub = FakeHubSpot()
    report = push_changes({"m1": profile_changed(before, gone, forgotten=True)}, hub)
    assert hub.deleted == ["ann@example.com"] and report.deleted == 1


def test_push_verdicts_retry_what_may_work_later_and_dead_letter_what_hubspot_refused() -> None:
    def record(mid: str, change: Any) -> dict[str, Any]:
        envelope = {"source": "journeysync.profiles", "detail-type": "ProfileChanged",
                    "detail": json.loads(change.model_dump_json())}
        return {"messageId": mid, "receiptHandle": mid, "body": json.dumps(envelope), "attributes": {},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-2:1:q", "awsRegion": "eu-west-2"}

    event = {"Records": [record("m1", _change("c1", "ann@example.com")), record("m2", _change("c2", "bob@example.com")),
                         {**record("m3", _change("c3", "x@example.com")), "body": "not json"}]}
    verdicts, _ = push_verdicts(event, hubspot=FakeHubSpot(failed={"bob@example.com": "INVALID"}))
    assert {m: v.status for m, v in verdicts.items()} == {"m2": "dead", "m3": "dead"}, "m1 pushed: acknowledged"
    verdicts, _ = push_verdicts(event, hubspot=FakeHubSpot(raise_=RetriableError("503")))
    assert {m: v.status for m, v in verdicts.items()} == {"m1": "retry", "m2": "retry", "m3": "dead"}
    builtin, report = push_verdicts(event, hubspot=None)
    assert {m: v.status for m, v in builtin.items()} == {"m3": "dead"} and report.skipped == 2


def test_contact_properties_carry_membership_and_journey_stage() -> None:
    c = Customer(customer_id="c1", identity=Identity(emails=["ann@example.com"]))
    c.profile.membership.tier = "joint"
    c.profile.membership.status = "active"
    c.profile.membership.can_book_online = True
    c.profile.membership.valid_until = datetime(2027, 3, 1, tzinfo=UTC)
    props = contact_properties(profile_changed(None, c).after)
    assert props["journeysync_membership_tier"] == "joint"
    assert props["journeysync_membership_valid_until"] == "2027-03-01"
    assert props["journeysync_can_book_online"] == "true"
    assert props["email"] == "ann@example.com"


def test_put_events_requests_hold_at_most_10_entries_and_256_kb() -> None:
    small = [entry(_change(f"c{i}", "a@example.com"), "bus") for i in range(23)]
    assert [len(c) for c in chunks(small)] == [10, 10, 3]
    big = [{**e, "Detail": "x" * 100_000} for e in small[:5]]
    assert [len(c) for c in chunks(big)] == [2, 2, 1]
