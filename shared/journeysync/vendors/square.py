"""Square (point of sale): payments become purchases once an order lookup says what was bought.

Signature: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 of `notification_url + raw_body`,
so the URL must be byte-identical to the subscription's (the pipeline passes it as `request.url`).
Payment webhooks carry no line items and often no email, so a completed payment becomes a
`square.payment` enrichment job: RetrieveOrder for the lines, RetrieveCustomer for the email.
Only COMPLETED payments count; Square announces one payment several times (created, updated…),
and the canonical ids are keyed on the payment id so those announcements collapse downstream.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from journeysync.errors import BadInputError, FatalError
from journeysync.models.events import ConsentChanged, CustomerEvent, CustomerUpdated, Money
from journeysync.models.validation import parse_model
from journeysync.vendors._common import (
    Emitter,
    Sale,
    b64_hmac,
    clean_email,
    first_time,
    identity,
    integer,
    money,
    money_obj,
    obj,
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

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
SQUARE_VERSION = "2025-01-23"
API_HEADERS = {"Square-Version": SQUARE_VERSION}


def sign(key: str, url: str, body: bytes) -> str:
    return b64_hmac(key, url.encode() + body)


class _PaymentJob(BaseModel):
    """What parse knew about a completed payment (the queued half of the purchase)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    payment_id: str
    order_id: str | None = None
    customer_id: str | None = None
    email: str | None = None
    amount: Money
    location_id: str | None = None
    time: datetime


class SquareAdapter(VendorAdapter):
    name = "square"
    api_base_url = "https://connect.squareup.com"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        given = require(request.header(SIGNATURE_HEADER), "signature header")
        url = require(request.url, "notification url")
        same(sign(secret, url, request.body), given)

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, url, body)}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        doc = request.json_object()
        event_id = text(doc, "event_id", "event_id")
        kind = text(doc, "type", "type")
        data = obj(doc, "data", "data")
        payload = obj(data, "object", "data.object")
        at = first_time(doc, ("created_at",), "", fallback=request.received_at)
        if kind in ("payment.created", "payment.updated"):
            return self._payment(event_id, kind, obj(payload, "payment", "data.object.payment"), at, ctx)
        if kind in ("customer.created", "customer.updated"):
            return self._customer(event_id, kind, obj(payload, "customer", "data.object.customer"), at, ctx)
        return Parsed(vendor_event_id=event_id, ignored=f"square {kind} is not used", event_type=kind)

    def _payment(self, event_id: str, kind: str, payment: dict[str, Any], at: datetime, ctx: ParseContext) -> Parsed:
        where = "data.object.payment"
        status = text(payment, "status", f"{where}.status")
        if status != "COMPLETED":
            return Parsed(
                vendor_event_id=event_id, ignored=f"payment status {status} is not a completed sale", event_type=kind
            )
        payment_id = text(payment, "id", f"{where}.id")
        total = money_obj(payment, "total_money", f"{where}.total_money") or money_obj(
            payment, "amount_money", f"{where}.amount_money"
        )
        if total is None:
            raise BadInputError("Field required", field=f"{where}.amount_money")
        job = _PaymentJob(
            payment_id=payment_id,
            order_id=opt_str(payment, "order_id"),
            customer_id=opt_str(payment, "customer_id"),
            email=opt_str(payment, "buyer_email_address"),
            amount=total,
            location_id=opt_str(payment, "location_id"),
            time=first_time(payment, ("updated_at", "created_at"), where, fallback=at),
        )
        if job.order_id or (job.customer_id and not clean_email(job.email)):
            enrichment = Enrichment(
                vendor=self.name, kind="square.payment", vendor_event_id=event_id, payload=job.model_dump(mode="json")
            )
            return Parsed(vendor_event_id=event_id, enrichments=[enrichment], event_type=kind)
        ident = identity(emails=[job.email], external={"square": job.customer_id}, region=ctx.catalogue.default_region)
        events = sale_events(
            source=self.name,
            key=f"payment:{payment_id}",
            delivery_id=event_id,
            time=job.time,
            ident=ident,
            catalogue=ctx.catalogue,
            order_id=payment_id,
            total=total,
            sales=(),
            channel="pos",
            location=job.location_id,
        )
        return Parsed(vendor_event_id=event_id, events=events, event_type=kind)

    def _customer(self, event_id: str, kind: str, customer: dict[str, Any], at: datetime, ctx: ParseContext) -> Parsed:
        where = "data.object.customer"
        customer_id = text(customer, "id", f"{where}.id")
        ident = identity(
            emails=[customer.get("email_address")],
            phones=[customer.get("phone_number")],
            external={"square": customer_id},
            region=ctx.catalogue.default_region,
        )
        time = first_time(customer, ("updated_at", "created_at"), where, fallback=at)
        version = opt_str(customer, "version")
        key = f"customer:{customer_id}:v{version}" if version else f"customer-event:{event_id}"
        emit = Emitter(self.name, key, event_id, time, ident)
        profile = CustomerUpdated(
            given_name=opt_str(customer, "given_name"), family_name=opt_str(customer, "family_name")
        )
        events = [emit("profile", profile)]
        if opt_obj(customer, "preferences", f"{where}.preferences").get("email_unsubscribed") is True:
            consent = ConsentChanged(status="unsubscribed", explicit=True, reason="square email_unsubscribed")
            events.append(emit("consent", consent))
        return Parsed(vendor_event_id=event_id, events=events, event_type=kind)

    # ------------------------------------------------------------------------ enrichment

    def enrich(self, job: Enrichment, ctx: EnrichContext) -> list[CustomerEvent]:
        if job.kind != "square.payment":
            raise FatalError(f"square has no enrichment {job.kind!r}")
        try:
            payment = parse_model(_PaymentJob, job.payload)
            return self._complete(job, payment, ctx)
        except BadInputError as exc:
            raise FatalError(f"square {job.kind} {job.vendor_event_id}: unusable data: {exc}") from None

    def _complete(self, job: Enrichment, payment: _PaymentJob, ctx: EnrichContext) -> list[CustomerEvent]:
        order: dict[str, Any] = {}
        if payment.order_id:
            reply = ctx.api.get_json(f"v2/orders/{quote(payment.order_id, safe='')}", headers=API_HEADERS)
            order = obj(reply, "order", "order")
        customer_id = payment.customer_id or opt_str(order, "customer_id")
        email = payment.email
        customer: dict[str, Any] = {}
        if not clean_email(email) and customer_id:
            reply = ctx.api.get_json(f"v2/customers/{quote(customer_id, safe='')}", headers=API_HEADERS)
            customer = obj(reply, "customer", "customer")
        ident = identity(
            emails=[email, customer.get("email_address")],
            phones=[customer.get("phone_number")],
            external={"square": customer_id},
            region=ctx.parse.catalogue.default_region,
        )
        sales = [
            _sale(line, f"order.line_items.{i}")
            for i, line in enumerate(opt_list(order, "line_items", "order.line_items"))
        ]
        total = money_obj(order, "total_money", "order.total_money") or payment.amount
        key = f"payment:{payment.payment_id}"
        events = sale_events(
            source=self.name,
            key=key,
            delivery_id=job.vendor_event_id,
            time=payment.time,
            ident=ident,
            catalogue=ctx.parse.catalogue,
            order_id=payment.order_id or payment.payment_id,
            total=total,
            sales=sales,
            channel="pos",
            location=payment.location_id or opt_str(order, "location_id"),
        )
        given, family = opt_str(customer, "given_name"), opt_str(customer, "family_name")
        if given or family:
            profile = CustomerUpdated(given_name=given, family_name=family)
            events.append(Emitter(self.name, key, job.vendor_event_id, payment.time, ident)("customer", profile))
        return events


def _sale(line: Any, where: str) -> Sale:
    if not isinstance(line, dict):
        raise BadInputError("must be an object", field=where)
    quantity = integer(line.get("quantity", "1") or "1", f"{where}.quantity") if not _fractional(line) else 1
    base = opt_obj(line, "base_price_money", f"{where}.base_price_money")
    unit = money(base.get("amount"), base.get("currency"), f"{where}.base_price_money") if base else None
    return Sale(
        title=opt_str(line, "name") or opt_str(line, "variation_name") or "item",
        quantity=quantity,
        product_id=opt_str(line, "catalog_object_id"),
        variation=opt_str(line, "variation_name"),
        unit_price=unit,
        line_total=money_obj(line, "total_money", f"{where}.total_money"),
    )


def _fractional(line: dict[str, Any]) -> bool:
    """Square sells by weight too ("0.5" kg): such a line is one sale, not half a ticket."""
    raw = line.get("quantity")
    return isinstance(raw, str) and "." in raw and not raw.rstrip("0").endswith(".")
