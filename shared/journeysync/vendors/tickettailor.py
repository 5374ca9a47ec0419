"""Ticket Tailor (ticketing): orders and issued tickets, delivered whole in the webhook.

Signature: `Tickettailor-Webhook-Signature: t=<unix>,v1=<hex>` where v1 is HMAC-SHA256 of
`<t>` immediately followed by the raw body (no separator, per Ticket Tailor's own examples),
with a 5-minute replay window. The envelope is `{id, created_at, event, resource_url, payload}`;
event names are upper case (`ORDER.CREATED`). Bookings are one event per issued ticket and
are keyed on the ticket id, so ORDER.CREATED and a later ORDER.UPDATED of the same completed
order collapse into one booking downstream.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeysync.config.catalogue import Catalogue
from journeysync.errors import BadInputError
from journeysync.models.events import CustomerEvent, IdentityKeys, TicketBooked, TicketCancelled, TicketCheckedIn
from journeysync.vendors._common import (
    day,
    event,
    first_time,
    hex_hmac,
    identity,
    model,
    obj,
    opt_list,
    opt_obj,
    opt_str,
    text,
)
from journeysync.vendors.base import (
    ParseContext,
    Parsed,
    VendorAdapter,
    WebhookRequest,
    fresh,
    parse_signature_header,
    require,
    same,
)

SIGNATURE_HEADER = "tickettailor-webhook-signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={hex_hmac(secret, str(timestamp).encode() + body)}"


class TicketTailorAdapter(VendorAdapter):
    name = "tickettailor"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        parts = parse_signature_header(require(request.header(SIGNATURE_HEADER), "signature header"))
        timestamp, given = require(parts.get("t"), "timestamp"), require(parts.get("v1"), "v1 signature")
        fresh(timestamp, request.received_at)
        same(hex_hmac(secret, timestamp.encode() + request.body), given)

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, body, int(now.timestamp()))}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        doc = request.json_object()
        delivery = text(doc, "id", "id")
        kind = text(doc, "event", "event").upper()
        payload = obj(doc, "payload", "payload")
        if kind in ("ORDER.CREATED", "ORDER.UPDATED"):
            events = _order(payload, delivery, ctx.catalogue)
        elif kind == "ISSUED_TICKET.UPDATED":
            events = _ticket_update(payload, delivery, ctx.catalogue)
        else:
            return Parsed(vendor_event_id=delivery, ignored=f"tickettailor {kind} is not used", event_type=kind)
        return Parsed(
            vendor_event_id=delivery,
            events=events,
            event_type=kind,
            ignored=None if events else f"tickettailor {kind} changes nothing we track",
        )


def _order(order: dict[str, Any], delivery: str, catalogue: Catalogue) -> list[CustomerEvent]:
    order_id = text(order, "id", "payload.id")
    status = opt_str(order, "status")
    if status not in ("completed", "cancelled"):
        return []  # pending: not a booking yet
    buyer = opt_obj(order, "buyer_details", "payload.buyer_details")
    ident = identity(emails=[buyer.get("email")], phones=[buyer.get("phone")], region=catalogue.default_region)
    summary = opt_obj(order, "event_summary", "payload.event_summary")
    event_name = opt_str(summary, "name")
    time = (
        first_time(order, ("created_at",), "payload")
        if status == "completed"
        else first_time(order, ("updated_at", "created_at"), "payload")
    )
    events: list[CustomerEvent] = []
    for index, ticket in enumerate(opt_list(order, "issued_tickets", "payload.issued_tickets")):
        where = f"payload.issued_tickets.{index}"
        if not isinstance(ticket, dict):
            raise BadInputError("must be an object", field=where)
        ticket_id = text(ticket, "id", f"{where}.id")
        ref, name, division = _event_ref(ticket, catalogue, event_name, summary)
        data: Any
        if status == "completed" and opt_str(ticket, "status") != "void":
            data = model(
                TicketBooked,
                where,
                order_id=order_id,
                event_ref=ref,
                event_name=name or event_name,
                ticket_class=opt_str(ticket, "description"),
                division=division,
                event_date=day(opt_obj(summary, "start_date", "payload.event_summary.start_date").get("date")),
            )
            part = "booked"
        elif status == "cancelled":
            data = model(TicketCancelled, where, order_id=order_id, event_ref=ref)
            part = "cancelled"
        else:
            continue
        events.append(
            event(
                source="tickettailor",
                key=f"issued_ticket:{ticket_id}",
                part=part,
                delivery_id=delivery,
                time=time,
                data=data,
                ident=_ticket_identity(ticket, ident, catalogue),
            )
        )
    return events


def _ticket_update(ticket: dict[str, Any], delivery: str, catalogue: Catalogue) -> list[CustomerEvent]:
    ticket_id = text(ticket, "id", "payload.id")
    order_id = text(ticket, "order_id", "payload.order_id")
    ident = _ticket_identity(ticket, IdentityKeys(), catalogue)
    ref, _, _ = _event_ref(ticket, catalogue, None, {})
    key = f"issued_ticket:{ticket_id}"
    if opt_str(ticket, "status") == "void" or ticket.get("voided_at"):
        time = first_time(ticket, ("voided_at", "updated_at"), "payload")
        data: Any = model(TicketCancelled, "payload", order_id=order_id, event_ref=ref)
        return [
            event(
                source="tickettailor",
                key=key,
                part="cancelled",
                delivery_id=delivery,
                time=time,
                data=data,
                ident=ident,
            )
        ]
    if str(ticket.get("checked_in")).lower() == "true":
        time = first_time(ticket, ("updated_at",), "payload")
        data = model(TicketCheckedIn, "payload", event_ref=ref, order_id=order_id)
        return [
            event(
                source="tickettailor",
                key=key,
                part="checked_in",
                delivery_id=delivery,
                time=time,
                data=data,
                ident=ident,
            )
        ]
    return []


def _event_ref(
    ticket: dict[str, Any], catalogue: Catalogue, event_name: str | None, summary: dict[str, Any]
) -> tuple[str, str | None, str | None]:
    """(event_ref, event name, division): the catalogue's meaning, else Ticket Tailor's own event id."""
    entry = catalogue.lookup(
        "tickettailor",
        product_id=opt_str(ticket, "ticket_type_id"),
        ticket_class=opt_str(ticket, "description"),
        name=event_name or opt_str(ticket, "description"),
    )
    if entry is not None and entry.meaning == "ticket" and entry.event_ref:
        return entry.event_ref, entry.event_name, entry.division
    event_id = opt_str(ticket, "event_id") or opt_str(summary, "id")
    if not event_id:
        raise BadInputError("Field required", field="payload.event_id")
    return f"tickettailor:{event_id}", None, None


def _ticket_identity(ticket: dict[str, Any], buyer: IdentityKeys, catalogue: Catalogue) -> IdentityKeys:
    """The buyer's keys first (the booking is theirs), then the ticket's own email (typed by the buyer)."""
    own = identity(emails=[ticket.get("email")], region=catalogue.default_region, email_trust="typed")
    return buyer.union(own)
