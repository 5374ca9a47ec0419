"""Shopify specifics: the refund enrichment (a refund names no customer) and the consent rules."""

from __future__ import annotations

import json

import pytest
import responses

from journeysync.connectors.http import VendorFatalError
from tests.events import api_answer, load_sample
from tests.unit.vendor_helpers import adapter, enrich_context, parsed

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
