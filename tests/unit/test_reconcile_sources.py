"""Contract tests of the list calls reconcile makes (recorded responses, with pagination)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import responses

from journeysync.reconcile.sources import list_shopify_orders, list_square_payments, shopify_delivery, square_delivery
from journeysync.vendors import adapter_for
from journeysync.vendors.api import VendorApi
from journeysync.vendors.base import ParseContext

SQUARE = "https://connect.squareup.com"
SHOP = "https://riverside.myshopify.com/admin/api/2025-10"
BEGIN = datetime(2026, 5, 3, 0, 0, tzinfo=UTC)
END = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _payment(pid: str) -> dict[str, object]:
    return {"id": pid, "created_at": "2026-05-03T15:00:58Z", "status": "COMPLETED",
            "amount_money": {"amount": 500, "currency": "GBP"}, "buyer_email_address": "ruth.ng@example.org",
            "location_id": "L8RIVERSIDE01"}


@responses.activate
def test_square_list_payments_sends_the_documented_query_and_follows_the_cursor() -> None:
    responses.get(f"{SQUARE}/v2/payments", json={"payments": [_payment("P1"), _payment("P2")], "cursor": "c-2"})
    responses.get(f"{SQUARE}/v2/payments", json={"payments": [_payment("P3")]})
    api = VendorApi("square", SQUARE, "tok", sleep=lambda _s: None)
    got = [p["id"] for p in list_square_payments(api, BEGIN, END)]
    assert got == ["P1", "P2", "P3"]
    first, second = (parse_qs(urlsplit(c.request.url or "").query) for c in responses.calls)
    assert first == {"begin_time": ["2026-05-03T00:00:00Z"], "end_time": ["2026-05-04T12:00:00Z"],
                     "sort_order": ["ASC"], "limit": ["100"]}
    assert second["cursor"] == ["c-2"] and second["begin_time"] == first["begin_time"]
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer tok" and call.headers["Square-Version"]


@responses.activate
def test_square_list_payments_retries_a_429_honouring_retry_after() -> None:
    responses.get(f"{SQUARE}/v2/payments", status=429, headers={"Retry-After": "1"}, json={"errors": []})
    responses.get(f"{SQUARE}/v2/payments", json={"payments": [_payment("P1")]})
    waits: list[float] = []
    api = VendorApi("square", SQUARE, "tok", sleep=waits.append)
    assert [p["id"] for p in list_square_payments(api, BEGIN, END)] == ["P1"]
    assert waits and waits[0] >= 1


@responses.activate
def test_shopify_orders_follow_the_link_header_and_drop_filters_on_page_info() -> None:
    nxt = f"{SHOP}/orders.json?limit=250&page_info=abc"
    responses.get(f"{SHOP}/orders.json", json={"orders": [{"id": 1}, {"id": 2}]},
                  headers={"Link": f'<{nxt}>; rel="next"'})
    responses.get(f"{SHOP}/orders.json", json={"orders": [{"id": 3}]},
                  headers={"Link": f'<{SHOP}/orders.json?limit=250&page_info=zzz>; rel="previous"'})
    api = VendorApi("shopify", SHOP, "shp-tok", token_header="X-Shopify-Access-Token", sleep=lambda _s: None)
    assert [o["id"] for o in list_shopify_orders(api, BEGIN)] == [1, 2, 3]
    first, second = (parse_qs(urlsplit(c.request.url or "").query) for c in responses.calls)
    assert first == {"status": ["any"], "created_at_min": ["2026-05-03T00:00:00Z"], "limit": ["250"]}
    assert second == {"limit": ["250"], "page_info": ["abc"]}  # filters cannot be combined with page_info
    assert responses.calls[0].request.headers["X-Shopify-Access-Token"] == "shp-tok"


def test_a_listed_object_parses_into_the_same_event_ids_its_webhook_would_have() -> None:
    from journeysync.config.loader import load_config
    from tests.events import load_sample

    ctx = ParseContext(catalogue=load_config().catalogue)
    now = datetime.now(UTC)
    square, shopify = adapter_for("square"), adapter_for("shopify")
    assert square is not None and shopify is not None
    from journeysync.vendors.base import WebhookRequest

    sample = load_sample("square", "payment-completed-no-order")
    webhook = square.parse(WebhookRequest("square", sample.body, {}), ctx)
    listed = square.parse(square_delivery(sample.json()["data"]["object"]["payment"], now), ctx)
    assert [e.id for e in listed.events] == [e.id for e in webhook.events] and webhook.events

    order = load_sample("shopify", "orders-paid")
    hook = shopify.parse(WebhookRequest("shopify", order.body, {"x-shopify-topic": "orders/paid",
                                                                 "x-shopify-event-id": "evt-1"}), ctx)
    again = shopify.parse(shopify_delivery(order.json(), now), ctx)
    assert [e.id for e in again.events] == [e.id for e in hook.events] and hook.events
