"""Shopify (online shop): paid orders, cancellations, refunds, customer profiles and started checkouts.

Signature: `X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256 of the raw body with the app's client
secret; the topic is in `X-Shopify-Topic`. Dedupe on `X-Shopify-Event-Id` (one per merchant
action) and fall back to `X-Shopify-Webhook-Id` (per delivery) for older API versions.
`orders/create` is not a sale (payment may still fail): only `orders/paid` is. A refund's
payload names the order but not the customer, so `refunds/create` becomes a `shopify.refund`
enrichment that reads the order for the buyer's identity. `checkouts/create` is a started
checkout (`checkout.started`); the paid order that completes it names it in `checkout_token`,
and one that never comes makes the checkout abandoned (profile fold, scheduled sweep).

Consent: Shopify's "accepts marketing" flags are often a pre-ticked checkbox or a merchant
import, so they are never an explicit opt-in; only `email_marketing_consent` with
`opt_in_level: confirmed_opt_in` (the customer confirmed by email) is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from journeysync.config.catalogue import Catalogue
from journeysync.errors import BadInputError, FatalError
from journeysync.models.events import (
    CheckoutStarted,
    ConsentChanged,
    CustomerEvent,
    CustomerUpdated,
    IdentityKeys,
    MembershipCancelled,
    PurchaseCompleted,
    TicketCancelled,
)
from journeysync.vendors._common import (
    Emitter,
    Sale,
    b64_hmac,
    event,
    first_time,
    identity,
    integer,
    lookup,
    minor_units,
    model,
    money,
    opt_list,
    opt_obj,
    opt_str,
    sale_events,
    text,
)
from journeysync.vendors.base import (
    EnrichContext,
    Enrichment,
    ParseContext,
    Parsed,
    VendorAdapter,
    WebhookRequest,
    require,
    same,
)

SIGNATURE_HEADER = "x-shopify-hmac-sha256"
TOPIC_HEADER = "x-shopify-topic"
EVENT_ID_HEADER = "x-shopify-event-id"
WEBHOOK_ID_HEADER = "x-shopify-webhook-id"


def sign(secret: str, body: bytes) -> str:
    return b64_hmac(secret, body)


class ShopifyAdapter(VendorAdapter):
    name = "shopify"
    # The API base is per shop (https://<shop>.myshopify.com/admin/api/<version>), so none is set here.
    api_token_header = "X-Shopify-Access-Token"  # noqa: S105 - a header name, not a secret

    def verify(self, request: WebhookRequest, secret: str) -> None:
        same(sign(secret, request.body), require(request.header(SIGNATURE_HEADER), "signature header"))

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        import hashlib

        digest = hashlib.sha256(body).hexdigest()
        return {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            TOPIC_HEADER: _topic_of(body),
            EVENT_ID_HEADER: f"evt-{digest[:16]}",
            WEBHOOK_ID_HEADER: f"wh-{digest[16:32]}",
            "x-shopify-triggered-at": now.isoformat(),
        }

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        topic = request.header(TOPIC_HEADER)
        if not topic:
            raise BadInputError("Field required", field=f"headers.{TOPIC_HEADER}")
        delivery = request.header(EVENT_ID_HEADER) or request.header(WEBHOOK_ID_HEADER)
        if not delivery:
            raise BadInputError("Field required", field=f"headers.{EVENT_ID_HEADER}")
        doc = request.json_object()
        _topic_matches_body(topic, doc)
        region = ctx.catalogue.default_region
        if topic == "orders/paid":
            return Parsed(vendor_event_id=delivery, events=self._paid(doc, delivery, ctx), event_type=topic)
        if topic == "orders/cancelled":
            order_id = text(doc, "id", "id")
            time = first_time(doc, ("cancelled_at", "updated_at"), "", fallback=request.received_at)
            refunded = opt_str(doc, "financial_status") in ("refunded", "partially_refunded", "voided")
            events = _cancellations(
                key=f"order:{order_id}:cancelled",
                delivery=delivery,
                time=time,
                ident=_buyer(doc, region),
                catalogue=ctx.catalogue,
                order_id=order_id,
                sales=_sales(doc, "line_items", doc.get("currency")),
                refunded=refunded,
                reason=opt_str(doc, "cancel_reason"),
            )
            return Parsed(
                vendor_event_id=delivery,
                events=events,
                event_type=topic,
                ignored=None if events else "no membership or ticket in the cancelled order",
            )
        if topic == "checkouts/create":
            return self._checkout(doc, delivery, topic, ctx)
        if topic == "refunds/create":
            return self._refund(doc, delivery, topic, request.received_at)
        if topic in ("customers/create", "customers/update"):
            return Parsed(
                vendor_event_id=delivery,
                events=self._customer(doc, delivery, region, request.received_at),
                event_type=topic,
            )
        why = "an unpaid order is not a sale (orders/paid is)" if topic == "orders/create" else "not used"
        return Parsed(vendor_event_id=delivery, ignored=f"shopify {topic}: {why}", event_type=topic)

    def _paid(self, doc: dict[str, Any], delivery: str, ctx: ParseContext) -> list[CustomerEvent]:
        order_id = text(doc, "id", "id")
        currency = text(doc, "currency", "currency")
        total = money(minor_units(doc.get("total_price"), currency, "total_price"), currency, "total_price")
        ident = _buyer(doc, ctx.catalogue.default_region)
        time = first_time(doc, ("processed_at", "created_at", "updated_at"), "")
        key = f"order:{order_id}"
        events = sale_events(
            source=self.name,
            key=key,
            delivery_id=delivery,
            time=time,
            ident=ident,
            catalogue=ctx.catalogue,
            order_id=order_id,
            total=total,
            sales=_sales(doc, "line_items", currency),
            channel="online",
        )
        checkout = opt_str(doc, "checkout_token")
        if checkout:  # the order completes that checkout: it is never followed up as abandoned
            events = [e.model_copy(update={"data": e.data.model_copy(update={"checkout_token": checkout})})
                      if isinstance(e.data, PurchaseCompleted) else e for e in events]
        if doc.get("buyer_accepts_marketing") is True and ident.emails:
            consent = ConsentChanged(status="subscribed", explicit=False, reason="shopify checkout accepts marketing")
            events.append(
                event(
                    source=self.name,
                    key=key,
                    part="consent",
                    delivery_id=delivery,
                    time=time,
                    data=consent,
                    ident=ident,
                )
            )
        return events

    def _checkout(self, doc: dict[str, Any], delivery: str, topic: str, ctx: ParseContext) -> Parsed:
        """A checkout started: who, which cart (its size, not its lines), where to finish it. Without an email
        or a customer there is nobody to follow up, so it is acknowledged and left out."""
        token = text(doc, "token", "token")
        ident = _buyer(doc, ctx.catalogue.default_region)
        if ident.is_empty:
            return Parsed(vendor_event_id=delivery, ignored="a checkout with no email or customer", event_type=topic)
        currency = opt_str(doc, "currency")
        total = (money(minor_units(doc.get("total_price"), currency, "total_price"), currency, "total_price")
                 if currency and doc.get("total_price") is not None else None)
        url = opt_str(doc, "abandoned_checkout_url")
        data = model(CheckoutStarted, "checkout", checkout_token=token, lines=len(opt_list(doc, "line_items", "line_items")),
                     total=total, recover_url=url if url and url.startswith("https://") and len(url) <= 2048 else None)
        time = first_time(doc, ("created_at", "updated_at"), "")
        key = f"checkout:{token}"
        events = [event(source=self.name, key=key, part="started", delivery_id=delivery, time=time, data=data,
                        ident=ident)]
        if doc.get("buyer_accepts_marketing") is True and ident.emails:  # as for a paid order: never explicit
            consent = ConsentChanged(status="subscribed", explicit=False, reason="shopify checkout accepts marketing")
            events.append(event(source=self.name, key=key, part="consent", delivery_id=delivery, time=time,
                                data=consent, ident=ident))
        return Parsed(vendor_event_id=delivery, events=events, event_type=topic)

    def _refund(self, doc: dict[str, Any], delivery: str, topic: str, received: datetime) -> Parsed:
        refund_id = text(doc, "id", "id")
        order_id = text(doc, "order_id", "order_id")
        lines = []
        for index, item in enumerate(opt_list(doc, "refund_line_items", "refund_line_items")):
            if not isinstance(item, dict):
                raise BadInputError("must be an object", field=f"refund_line_items.{index}")
            line = opt_obj(item, "line_item", f"refund_line_items.{index}.line_item")
            lines.append(
                {
                    "sku": opt_str(line, "sku"),
                    "product_id": opt_str(line, "product_id"),
                    "title": opt_str(line, "title") or "item",
                    "quantity": integer(item.get("quantity", 1), f"refund_line_items.{index}.quantity"),
                }
            )
        if not lines:
            return Parsed(vendor_event_id=delivery, ignored="a refund without refunded lines", event_type=topic)
        time = first_time(doc, ("processed_at", "created_at"), "", fallback=received)
        job = Enrichment(
            vendor=self.name,
            kind="shopify.refund",
            vendor_event_id=delivery,
            payload={
                "refund_id": refund_id,
                "order_id": order_id,
                "time": time.isoformat(),
                "lines": lines,
                "reason": opt_str(doc, "note"),
            },
        )
        return Parsed(vendor_event_id=delivery, enrichments=[job], event_type=topic)

    def _customer(self, doc: dict[str, Any], delivery: str, region: str, received: datetime) -> list[CustomerEvent]:
        customer_id = text(doc, "id", "id")
        ident = identity(
            emails=[doc.get("email")], phones=[doc.get("phone")], external={"shopify": customer_id}, region=region
        )
        time = first_time(doc, ("updated_at", "created_at"), "", fallback=received)
        key = f"customer:{customer_id}:{time.isoformat()}"
        emit = Emitter(self.name, key, delivery, time, ident)
        profile = CustomerUpdated(given_name=opt_str(doc, "first_name"), family_name=opt_str(doc, "last_name"))
        events = [emit("profile", profile)]
        consent = _consent(doc)
        if consent is not None and ident.emails:
            status, explicit, consent_time = consent
            data = ConsentChanged(status=status, explicit=explicit, reason="shopify email_marketing_consent")
            events.append(emit("consent", data, time=consent_time))
        return events

    # ------------------------------------------------------------------------ enrichment

    def enrich(self, job: Enrichment, ctx: EnrichContext) -> list[CustomerEvent]:
        if job.kind != "shopify.refund":
            raise FatalError(f"shopify has no enrichment {job.kind!r}")
        try:
            payload = job.payload
            order_id = text(payload, "order_id", "order_id")
            reply = ctx.api.get_json(f"orders/{quote(order_id, safe='')}.json")
            order = opt_obj(reply, "order", "order")
            if not order:
                raise BadInputError("Field required", field="order")
            sales = [
                Sale(
                    title=opt_str(line, "title") or "item",
                    sku=opt_str(line, "sku"),
                    product_id=opt_str(line, "product_id"),
                    quantity=integer(line.get("quantity", 1), "quantity"),
                )
                for line in opt_list(payload, "lines", "lines")
                if isinstance(line, dict)
            ]
            return _cancellations(
                key=f"refund:{text(payload, 'refund_id', 'refund_id')}",
                delivery=job.vendor_event_id,
                time=first_time(payload, ("time",), ""),
                ident=_buyer(order, ctx.parse.catalogue.default_region),
                catalogue=ctx.parse.catalogue,
                order_id=order_id,
                sales=sales,
                refunded=True,
                reason=opt_str(payload, "reason"),
            )
        except BadInputError as exc:
            raise FatalError(f"shopify {job.kind} {job.vendor_event_id}: unusable data: {exc}") from None


def _topic_matches_body(topic: str, doc: dict[str, Any]) -> None:
    """Refuse a topic the body contradicts: Shopify's HMAC covers the body only, so anyone holding one
    signed delivery can re-post it under another `X-Shopify-Topic` (a paid order as a cancellation)."""
    is_checkout = _is_checkout(doc)
    is_order = "line_items" in doc and "refund_line_items" not in doc and not is_checkout
    contradiction = {
        "checkouts/create": not is_checkout,
        "orders/paid": not is_order or bool(doc.get("cancelled_at")) or opt_str(doc, "financial_status") in _UNPAID,
        "orders/cancelled": not is_order or not doc.get("cancelled_at"),
        "refunds/create": "refund_line_items" not in doc,
        "customers/create": "line_items" in doc or "refund_line_items" in doc,
        "customers/update": "line_items" in doc or "refund_line_items" in doc,
    }.get(topic, False)
    if contradiction:
        raise BadInputError(f"topic {topic!r} does not match the signed body", field=f"headers.{TOPIC_HEADER}")


_UNPAID = ("pending", "authorized")


def _is_checkout(doc: dict[str, Any]) -> bool:
    """A checkout has a recovery URL and none of an order's money state."""
    return "abandoned_checkout_url" in doc and "financial_status" not in doc


def _topic_of(body: bytes) -> str:
    """A best guess of the topic for a sample body (tests and the demo may override the header)."""
    import json

    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "orders/paid"
    if not isinstance(doc, dict):
        return "orders/paid"
    if "refund_line_items" in doc:
        return "refunds/create"
    if _is_checkout(doc):
        return "checkouts/create"
    if "line_items" in doc:
        if doc.get("cancelled_at"):
            return "orders/cancelled"
        return "orders/create" if opt_str(doc, "financial_status") in _UNPAID else "orders/paid"
    return "customers/update"


def _buyer(order: dict[str, Any], region: str) -> IdentityKeys:
    customer = opt_obj(order, "customer", "customer")
    return identity(
        emails=[order.get("email"), order.get("contact_email"), customer.get("email")],
        phones=[order.get("phone"), customer.get("phone")],
        external={"shopify": opt_str(customer, "id")},
        region=region,
    )


def _sales(doc: dict[str, Any], key: str, currency: Any) -> list[Sale]:
    sales: list[Sale] = []
    for index, line in enumerate(opt_list(doc, key, key)):
        where = f"{key}.{index}"
        if not isinstance(line, dict):
            raise BadInputError("must be an object", field=where)
        quantity = integer(line.get("quantity", 1), f"{where}.quantity")
        unit = None
        if line.get("price") is not None and isinstance(currency, str):
            unit = money(minor_units(line.get("price"), currency, f"{where}.price"), currency, f"{where}.price")
        total = money(unit.amount * quantity, unit.currency, f"{where}.price") if unit else None
        sales.append(
            Sale(
                title=opt_str(line, "title") or opt_str(line, "name") or "item",
                quantity=quantity,
                sku=opt_str(line, "sku"),
                product_id=opt_str(line, "product_id"),
                variation=opt_str(line, "variant_title"),
                unit_price=unit,
                line_total=total,
            )
        )
    return sales


def _cancellations(
    *,
    key: str,
    delivery: str,
    time: datetime,
    ident: IdentityKeys,
    catalogue: Catalogue,
    order_id: str,
    sales: list[Sale],
    refunded: bool,
    reason: str | None,
) -> list[CustomerEvent]:
    events: list[CustomerEvent] = []
    for index, sale in enumerate(sales):
        entry = lookup(catalogue, "shopify", sale)
        data: Any
        if entry is not None and entry.meaning == "membership":
            data = MembershipCancelled(order_id=order_id, refunded=refunded, reason=reason)
        elif entry is not None and entry.meaning == "ticket":
            data = model(TicketCancelled, f"line_items.{index}", order_id=order_id, event_ref=entry.event_ref)
        else:
            continue
        events.append(
            event(
                source="shopify",
                key=key,
                part=f"{index}:{data.kind}",
                delivery_id=delivery,
                time=time,
                data=data,
                ident=ident,
            )
        )
    return events


def _consent(doc: dict[str, Any]) -> tuple[str, bool, datetime | None] | None:
    """(status, explicit, when) from a customer payload, or None when it carries no consent signal."""
    block = opt_obj(doc, "email_marketing_consent", "email_marketing_consent")
    if block:
        state = opt_str(block, "state")
        at = (
            first_time(block, ("consent_updated_at",), "email_marketing_consent", fallback=None)
            if block.get("consent_updated_at")
            else None
        )
        if state == "subscribed":
            # without its own consent_updated_at the opt-in's time is unknown: never an explicit (newer) act
            return "subscribed", at is not None and opt_str(block, "opt_in_level") == "confirmed_opt_in", at
        if state == "unsubscribed":
            return "unsubscribed", True, at
        if state == "pending":
            return "pending", False, at
        return None  # not_subscribed / redacted / invalid: no opt-in and no opt-out to record
    if doc.get("accepts_marketing") is True:
        return "subscribed", False, None
    return None
