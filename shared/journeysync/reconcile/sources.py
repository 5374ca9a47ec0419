"""Sources: list the last N hours of Square payments and Shopify orders and backfill the ones that never arrived.

The list calls follow the vendors' docs:

- Square ListPayments `GET /v2/payments?begin_time=…&end_time=…&sort_order=ASC&limit=100` (RFC 3339,
  range on `created_at`, ≤100 per page); the next page is the same query plus the response's `cursor`.
- Shopify `GET /admin/api/<version>/orders.json?status=any&created_at_min=…&limit=250`; the next page
  is the `Link: <…page_info=…>; rel="next"` URL, which must be called as given (filters cannot be
  combined with `page_info`).

Each listed object becomes the delivery its webhook would have been (`payment.updated` with the
payment; `orders/paid` with the order) and goes through the adapter's own `parse` (and `enrich`
for Square's order lookup), so the canonical events — and their ids, which derive from the
payment / order id, not the delivery — are exactly the webhook's. An object counts as
`missed_webhook` when its events are not on the owning customer's timeline (or no customer owns
its identity); it is then handed to the ingest path (`pipeline.accept`, archived once under
`<vendor>:reconcile-<object id>`): queued on the FIFO events queue and deduplicated by event id
downstream, so nothing is counted twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from journeysync.errors import JourneysyncError
from journeysync.identity import IdentityKey
from journeysync.models.events import CustomerEvent
from journeysync.reconcile.report import Report
from journeysync.vendors.api import VendorApi
from journeysync.vendors.base import (
    EnrichContext,
    ParseContext,
    Parsed,
    VendorAdapter,
    WebhookRequest,
)

SQUARE_PAGE = 100
SHOPIFY_PAGE = 250
PAID = frozenset({"paid", "partially_paid", "partially_refunded", "refunded"})


def _rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def list_square_payments(api: VendorApi, begin: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Every payment created in [begin, end), oldest first, page by page."""
    from journeysync.vendors.square import API_HEADERS

    params = {"begin_time": _rfc3339(begin), "end_time": _rfc3339(end), "sort_order": "ASC", "limit": str(SQUARE_PAGE)}
    while True:
        body = api.get_json("v2/payments", params=params, headers=API_HEADERS)
        yield from body.get("payments") or []
        cursor = body.get("cursor")
        if not cursor:
            return
        params = {**params, "cursor": str(cursor)}


def list_shopify_orders(api: VendorApi, since: datetime) -> Iterator[dict[str, Any]]:
    """Every order created since `since` (any status), following the Link header's rel="next"."""
    url: str | None = "orders.json"
    params: dict[str, str] = {"status": "any", "created_at_min": _rfc3339(since), "limit": str(SHOPIFY_PAGE)}
    while url:
        response = api.request("GET", url, ok=(200,), params=params)
        try:
            body = response.json()
        except ValueError:
            from journeysync.errors import FatalError

            raise FatalError("shopify answered 200 with a body that is not JSON") from None
        yield from body.get("orders") or []
        url = (response.links.get("next") or {}).get("url")
        params = {}


def square_delivery(payment: dict[str, Any], now: datetime) -> WebhookRequest:
    """The `payment.updated` webhook this payment would have arrived as."""
    doc = {
        "merchant_id": payment.get("merchant_id", ""),
        "type": "payment.updated",
        "event_id": f"reconcile-payment-{payment['id']}",
        "created_at": payment.get("updated_at") or payment.get("created_at") or now.isoformat(),
        "data": {"type": "payment", "id": payment["id"], "object": {"payment": payment}},
    }
    return WebhookRequest("square", json.dumps(doc).encode(), {"content-type": "application/json"}, received_at=now)


def shopify_delivery(order: dict[str, Any], now: datetime) -> WebhookRequest:
    """The `orders/paid` webhook this order would have arrived as."""
    headers = {
        "content-type": "application/json",
        "x-shopify-topic": "orders/paid",
        "x-shopify-event-id": f"reconcile-order-{order['id']}",
    }
    return WebhookRequest("shopify", json.dumps(order).encode(), headers, received_at=now)


@dataclass
class TimelineIndex:
    """Whether canonical events already reached a profile: identity → owner → timeline event ids."""

    store: Any  # ProfileStore
    _events: dict[str, set[str]] = field(default_factory=dict)

    def status(self, events: list[CustomerEvent]) -> str:
        """One of known, missing, anonymous (no identity key) or forgotten (erased: never resurrect)."""
        keys: list[IdentityKey] = [k for e in events for k in e.identity.keys()]  # noqa: SIM118  # noqa: SIM118 - IdentityKeys.keys(), not a dict
        if not keys:
            return "anonymous"
        owners, forgotten = self.store.lookup(keys)
        if forgotten and not owners:
            return "forgotten"
        owner_ids = set(owners.values())
        if not owner_ids:
            return "missing"
        ids = {e.id for e in events}
        seen: set[str] = set()
        for cid in owner_ids:
            seen |= self._timeline(cid)
        return "known" if ids <= seen else "missing"

    def _timeline(self, customer_id: str) -> set[str]:
        if customer_id not in self._events:
            if len(self._events) > 5000:
                self._events.clear()
            self._events[customer_id] = {
                str(item["sk"]["S"]).rsplit("#", 1)[-1] for item in self.store.timeline_items(customer_id)
            }
        return self._events[customer_id]


@dataclass
class Backfill:
    """One vendor's listed objects → synthesized deliveries → (if missing) the ingest path."""

    adapter: VendorAdapter
    api: VendorApi
    parse_context: ParseContext
    index: TimelineIndex
    ingest: Callable[[VendorAdapter, WebhookRequest, Parsed], None]
    report: Report
    dry_run: bool = False

    def one(self, request: WebhookRequest, object_id: str) -> None:
        name = self.adapter.name
        try:
            parsed = self.adapter.parse(request, self.parse_context)
        except JourneysyncError as exc:
            self.report.failure(name, "missed_webhook", f"{object_id}: unparseable: {exc}")
            return
        events = list(parsed.events)
        complete = parsed
        try:
            for job in parsed.enrichments:
                events += self.adapter.enrich(job, EnrichContext(parse=self.parse_context, api=self.api))
            if parsed.enrichments:
                complete = Parsed(vendor_event_id=parsed.vendor_event_id, events=events, event_type=parsed.event_type)
        except JourneysyncError:
            complete = parsed  # the ingest path queues the lookup for the enrichment function
        if not events and not parsed.enrichments:
            self.report.info[f"{name}:not_a_sale"] += 1
            return
        state = self.index.status(events) if events else "missing"
        if state != "missing":
            self.report.info[f"{name}:{state}"] += 1
            return
        self.report.found(name, "missed_webhook")
        self.report.example(name, "missed_webhook", {"object_id": object_id, "events": len(events)})
        if self.dry_run:
            return
        try:
            self.ingest(self.adapter, request, complete)
        except Exception as exc:  # an unacknowledged backfill is retried by the next run
            self.report.failure(name, "missed_webhook", f"{object_id}: {type(exc).__name__}: {exc}"[:300])
            return
        self.report.repaired_one(name, "missed_webhook")


def backfill_square(backfill: Backfill, now: datetime, hours: float) -> int:
    listed = 0
    for payment in list_square_payments(backfill.api, now - timedelta(hours=hours), now):
        listed += 1
        if payment.get("status") != "COMPLETED":
            backfill.report.info["square:not_completed"] += 1
            continue
        backfill.one(square_delivery(payment, now), str(payment["id"]))
    backfill.report.scanned["square"] = {"listed": listed}
    return listed


def backfill_shopify(backfill: Backfill, now: datetime, hours: float) -> int:
    listed = 0
    for order in list_shopify_orders(backfill.api, now - timedelta(hours=hours)):
        listed += 1
        if order.get("financial_status") not in PAID:
            backfill.report.info["shopify:not_paid"] += 1
            continue
        backfill.one(shopify_delivery(order, now), str(order["id"]))
    backfill.report.scanned["shopify"] = {"listed": listed}
    return listed
