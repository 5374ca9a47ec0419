"""Eventbrite's fetch-by-api_url enrichment: real API paths, SSRF guard, failure classification."""

from __future__ import annotations

import json

import pytest
import responses

from journeysync.connectors.http import VendorFatalError, VendorRetriableError
from journeysync.errors import BadInputError, FatalError
from journeysync.vendors import Enrichment, ParseContext
from tests.events import api_answer, load_sample
from tests.unit.vendor_helpers import CATALOGUE, adapter, enrich_context, parsed

API = "https://www.eventbriteapi.com/v3"
ORDER_URL = f"{API}/orders/1184023489/"


def job(name: str = "order-placed") -> Enrichment:
    return parsed("eventbrite", name).enrichments[0]


@responses.activate
def test_an_order_books_one_ticket_event_per_ticket_class() -> None:
    responses.get(ORDER_URL, json=api_answer("eventbrite", "order"))
    events = adapter("eventbrite").enrich(job(), enrich_context("eventbrite", API))
    assert responses.calls[0].request.url == f"{ORDER_URL}?expand=attendees"
    booked = [e.data for e in events if e.type == "ticket.booked"]
    assert [(b.event_ref, b.quantity, b.ticket_class) for b in booked] == [
        ("exh-impressionists-2026", 2, "Impressionists - General"),
        ("eventbrite:717926867587", 1, "Late Opening Talk"),  # unknown class: Eventbrite's own event id
    ]
    assert events[-1].type == "purchase.completed"
    assert events[-1].data.model_dump(mode="json")["total"] == {"amount": 3600, "currency": "GBP"}
    assert {e.identity.emails for e in events} == {("dana.kim@example.com",)}


@responses.activate
def test_a_refunded_order_cancels_its_tickets() -> None:
    responses.get(ORDER_URL, json=api_answer("eventbrite", "order"))
    events = adapter("eventbrite").enrich(job("order-refunded"), enrich_context("eventbrite", API))
    assert [(e.type, e.data.event_ref) for e in events] == [  # type: ignore[union-attr]
        ("ticket.cancelled", "exh-impressionists-2026"),
        ("ticket.cancelled", "eventbrite:717926867587"),
    ]


@responses.activate
def test_a_check_in_is_recorded_for_the_attendee() -> None:
    responses.get(f"{API}/events/717926867587/attendees/2179371283/", json=api_answer("eventbrite", "attendee"))
    events = adapter("eventbrite").enrich(job("attendee-checked-in"), enrich_context("eventbrite", API))
    assert [e.type for e in events] == ["ticket.checked_in"]
    assert events[0].identity.phones == ("+447911123459",)


@responses.activate
def test_eventbrite_throttling_is_retriable() -> None:
    responses.get(ORDER_URL, status=429, headers={"Retry-After": "60"})
    with pytest.raises(VendorRetriableError) as exc:
        adapter("eventbrite").enrich(job(), enrich_context("eventbrite", API))
    assert exc.value.retry_after == 60


@responses.activate
def test_an_order_eventbrite_does_not_know_is_fatal() -> None:
    responses.get(ORDER_URL, status=404, json={"error": "NOT_FOUND"})
    with pytest.raises(VendorFatalError):
        adapter("eventbrite").enrich(job(), enrich_context("eventbrite", API))


@pytest.mark.parametrize(
    "api_url",
    [
        "https://evil.example.com/v3/orders/1/",
        "http://www.eventbriteapi.com/v3/orders/1/",
        "https://www.eventbriteapi.com.evil.example/v3/orders/1/",
        "https://www.eventbriteapi.com@evil.example/v3/orders/1/",
        "https://www.eventbriteapi.com/v3/../admin/",
        "https://www.eventbriteapi.com/v2/orders/1/",
        "https://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ],
)
def test_a_foreign_api_url_is_rejected_at_parse(api_url: str) -> None:
    doc = load_sample("eventbrite", "order-placed").json()
    doc["api_url"] = api_url
    with pytest.raises(BadInputError) as exc:
        parsed("eventbrite", "order-placed", json.dumps(doc).encode())
    assert exc.value.field == "api_url"


@responses.activate
def test_enrich_never_fetches_a_foreign_api_url() -> None:
    forged = job().model_copy(
        update={"payload": {"action": "order.placed", "api_url": "https://evil.example.com/v3/x/"}}
    )
    with pytest.raises(FatalError, match="api_url"):
        adapter("eventbrite").enrich(forged, enrich_context("eventbrite", API))
    assert len(responses.calls) == 0


@responses.activate
def test_a_public_api_url_is_read_from_the_configured_base() -> None:
    """Locally the stand-in plays Eventbrite: a realistic api_url is fetched from it, never from the internet."""
    standin = "http://127.0.0.1:9999/v3"
    responses.get(f"{standin}/orders/1184023489/", json=api_answer("eventbrite", "order"))
    events = adapter("eventbrite").enrich(job(), enrich_context("eventbrite", standin))
    assert events and responses.calls[0].request.url.startswith(standin)


def test_parse_accepts_an_api_url_on_the_configured_base() -> None:
    doc = load_sample("eventbrite", "order-placed").json()
    doc["api_url"] = "http://127.0.0.1:9999/v3/orders/1184023489/"
    ctx = ParseContext(catalogue=CATALOGUE, api_base_urls={"eventbrite": "http://127.0.0.1:9999/v3"})
    assert parsed("eventbrite", "order-placed", json.dumps(doc).encode(), ctx=ctx).enrichments
