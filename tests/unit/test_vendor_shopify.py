"""Shopify specifics: the refund enrichment (a refund names no customer) and the consent rules."""

from __future__ import annotations

import json

import pytest
import responses

from journeysync.connectors.http import VendorFatalError
from tests.events import api_answer, load_sample
from tests.unit.vendor_helpers import CTX, adapter, enrich_context, parsed, request_for

SHOP = "https://riverside-museum.myshopify.com/admin/api/2025-01"


@responses.activate
def test_a_refund_reads_the_order_for_the_buyer_and_cancels_the_ticket() -> None:
    responses.get(f"{SHOP}/orders/820982911946154508.json", json={"order": api_answer("shopify", "order")})
    job = parsed("shopify", "refunds-create").enrichments[0]
    events = adapter("shopify").enrich(job, enrich_context("shopify", SHOP))
    assert [(e.type, e.data.event_ref) for e in events] == [("ticket.cancelled", "exh-dinosaurs-2026")]  # type: ignore[union-attr]
    assert events[0].identity.emails == ("bob.norman@example.com",)
    assert responses.calls[0].request.headers["X-Shopify-Access-Token"] == "api-token"
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_refund_of_an_order_shopify_does_not_know_is_fatal() -> None:
    responses.get(f"{SHOP}/orders/820982911946154508.json", status=404, json={"errors": "Not Found"})
    job = parsed("shopify", "refunds-create").enrichments[0]
    with pytest.raises(VendorFatalError):
        adapter("shopify").enrich(job, enrich_context("shopify", SHOP))


def test_an_unpaid_order_is_not_a_sale() -> None:
    result = parsed("shopify", "orders-create")
    assert result.ignored and not result.events


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        ({"state": "subscribed", "opt_in_level": "single_opt_in"}, ("subscribed", False)),
        ({"state": "subscribed", "opt_in_level": "unknown"}, ("subscribed", False)),
        (
            {"state": "subscribed", "opt_in_level": "confirmed_opt_in", "consent_updated_at": "2026-05-07T09:59:00Z"},
            ("subscribed", True),
        ),
        # no consent time of its own: the record's updated_at (an address edit) is not when consent was given
        ({"state": "subscribed", "opt_in_level": "confirmed_opt_in"}, ("subscribed", False)),
        ({"state": "unsubscribed", "opt_in_level": "single_opt_in"}, ("unsubscribed", True)),
        ({"state": "not_subscribed", "opt_in_level": "single_opt_in"}, None),
    ],
)
def test_only_a_confirmed_opt_in_is_explicit(consent: dict[str, str], expected: tuple[str, bool] | None) -> None:
    doc = load_sample("shopify", "customers-update").json()
    doc["email_marketing_consent"] = consent
    events = parsed("shopify", "customers-update", json.dumps(doc).encode()).events
    signals = [(e.data.status, e.data.explicit) for e in events if e.type == "consent.changed"]  # type: ignore[union-attr]
    assert signals == ([expected] if expected else [])


def test_money_is_exact_minor_units() -> None:
    doc = load_sample("shopify", "orders-paid").json()
    doc["total_price"], doc["currency"] = "0.30", "GBP"
    purchase = parsed("shopify", "orders-paid", json.dumps(doc).encode()).events[-1]
    assert purchase.data.total.amount == 30  # type: ignore[union-attr]
    doc["total_price"], doc["currency"] = "1500", "JPY"
    purchase = parsed("shopify", "orders-paid", json.dumps(doc).encode()).events[-1]
    assert purchase.data.total.amount == 1500  # type: ignore[union-attr]


def test_a_started_checkout_is_a_checkout_started_event_with_its_token_and_recovery_link() -> None:
    [started] = parsed("shopify", "checkouts-create").events
    assert started.type == "checkout.started" and started.identity.emails == ("carol.checkout@example.com",)
    data = started.data
    assert (data.checkout_token, data.lines, data.total.amount) == (  # type: ignore[union-attr]
        "4d3f1c2b9a8e7f6d5c4b3a2918273645", 1, 8000)
    assert data.recover_url.startswith("https://riverside-museum.myshopify.com/")  # type: ignore[union-attr]


def test_a_checkout_with_no_email_or_customer_is_acknowledged_and_left_out() -> None:
    doc = load_sample("shopify", "checkouts-create").json()
    del doc["email"], doc["customer"]
    result = parsed("shopify", "checkouts-create", json.dumps(doc).encode())
    assert result.ignored and not result.events


def test_a_huge_cart_keeps_its_size_not_its_lines() -> None:
    doc = load_sample("shopify", "checkouts-create").json()
    doc["line_items"] = doc["line_items"] * 5000
    [started] = parsed("shopify", "checkouts-create", json.dumps(doc).encode()).events
    assert started.data.lines == 5000 and len(started.model_dump_json()) < 2000  # type: ignore[union-attr]


def test_a_paid_order_names_the_checkout_it_completes() -> None:
    doc = load_sample("shopify", "orders-paid").json()
    doc["checkout_token"] = "4d3f1c2b9a8e7f6d5c4b3a2918273645"
    events = parsed("shopify", "orders-paid", json.dumps(doc).encode()).events
    [purchase] = [e for e in events if e.type == "purchase.completed"]
    assert purchase.data.checkout_token == "4d3f1c2b9a8e7f6d5c4b3a2918273645"  # type: ignore[union-attr]


@pytest.mark.parametrize(("sample", "topic"), [("checkouts-create", "orders/paid"), ("orders-paid", "checkouts/create")])
def test_a_checkout_and_an_order_cannot_be_reposted_as_each_other(sample: str, topic: str) -> None:
    from journeysync.errors import BadInputError

    loaded = load_sample("shopify", sample)
    request = request_for(loaded)
    request.headers["x-shopify-topic"] = topic
    with pytest.raises(BadInputError, match="does not match the signed body"):
        adapter("shopify").parse(request, CTX)
