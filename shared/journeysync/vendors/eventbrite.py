"""Eventbrite (ticketing): the webhook only says *which* object changed; the API says what it is.

Eventbrite documents no signature, so the endpoint is authenticated by a secret path token
(`/webhooks/eventbrite/{token}`). The body is `{config:{action, user_id, endpoint_url,
webhook_id}, api_url}`; the order or attendee behind `api_url` is fetched in the enrichment
step with the API token. Fetching a URL a caller chose is an SSRF hole, so `api_url` must sit
on the configured API base (scheme, host, port and path prefix): parse rejects anything else
with a 400, and enrich re-checks against the `VendorApi` it was handed and dead-letters
(FatalError, naming api_url) — a queued job is past the point where a 400 could help, and no
retry can make a foreign URL safe.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from journeysync.errors import BadInputError, FatalError
from journeysync.models.events import CustomerEvent, PurchaseCompleted, TicketBooked, TicketCancelled, TicketCheckedIn
from journeysync.vendors._common import (
    event,
    first_time,
    identity,
    model,
    money_obj,
    obj,
    opt_list,
    opt_obj,
    opt_str,
    text,
    under_prefix,
)
from journeysync.vendors.base import (
    EnrichContext,
    Enrichment,
    ParseContext,
    Parsed,
    SignatureError,
    VendorAdapter,
    WebhookRequest,
    same,
)

API_BASE = "https://www.eventbriteapi.com/v3"
ACTIONS = frozenset({"order.placed", "order.refunded", "attendee.checked_in"})


class EventbriteAdapter(VendorAdapter):
    name = "eventbrite"
    secret_kind = "path_token"  # noqa: S105 - a mode name, not a secret
    api_base_url = API_BASE

    def verify(self, request: WebhookRequest, secret: str) -> None:
        if not request.path_token:
            raise SignatureError("missing path token")
        same(secret, request.path_token)

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        doc = request.json_object()
        config = obj(doc, "config", "config")
        action = text(config, "action", "config.action")
        api_url = text(doc, "api_url", "api_url")
        delivery = f"{action}:{hashlib.sha256(api_url.encode()).hexdigest()[:32]}"
        if action not in ACTIONS:
            return Parsed(vendor_event_id=delivery, ignored=f"eventbrite {action} is not used", event_type=action)
        configured = ctx.api_base_urls.get(self.name, API_BASE)
        if not (under_prefix(api_url, API_BASE) or under_prefix(api_url, configured)):
            raise BadInputError(f"api_url must be on {configured}", field="api_url")
        job = Enrichment(
            vendor=self.name,
            kind="eventbrite.fetch",
            vendor_event_id=delivery,
            payload={"action": action, "api_url": api_url},
        )
        return Parsed(vendor_event_id=delivery, enrichments=[job], event_type=action)

    # ------------------------------------------------------------------------ enrichment

    def enrich(self, job: Enrichment, ctx: EnrichContext) -> list[CustomerEvent]:
        if job.kind != "eventbrite.fetch":
            raise FatalError(f"eventbrite has no enrichment {job.kind!r}")
        action, api_url = job.payload.get("action"), job.payload.get("api_url")
        url = _fetchable(api_url, ctx.api.base_url)
        is_order = "/orders/" in url
        found = ctx.api.get_json(url, params={"expand": "attendees"} if is_order else None)
        try:
            if not isinstance(found, dict):
                raise BadInputError("must be an object", field="(root)")
            if action == "attendee.checked_in":
                return self._checked_in(found, job, ctx)
            if action in ("order.placed", "order.refunded"):
                return self._order(found, job, ctx, refunded=action == "order.refunded")
        except BadInputError as exc:
            raise FatalError(f"eventbrite {action} {api_url}: unusable object: {exc}") from None
        raise FatalError(f"eventbrite action {action!r} has no enrichment")

    def _order(
        self, order: dict[str, Any], job: Enrichment, ctx: EnrichContext, *, refunded: bool
    ) -> list[CustomerEvent]:
        catalogue = ctx.parse.catalogue
        order_id = text(order, "id", "id")
        event_id = text(order, "event_id", "event_id")
        ident = identity(emails=[order.get("email")], region=catalogue.default_region)
        attendees = [a for a in opt_list(order, "attendees", "attendees") if isinstance(a, dict)]
        classes = Counter(
            opt_str(a, "ticket_class_name") or "General admission"
            for a in attendees
            if refunded or not (a.get("cancelled") is True or a.get("refunded") is True)
        )
        if not classes and not refunded:
            classes["General admission"] = 1
        if refunded:
            time = first_time(order, ("changed", "created"), "")
            key = f"order:{order_id}:refunded"
        else:
            time = first_time(order, ("created", "changed"), "")
            key = f"order:{order_id}"
        events: list[CustomerEvent] = []
        refs_done: set[str] = set()
        for ticket_class, count in sorted(classes.items()):
            entry = catalogue.lookup(self.name, ticket_class=ticket_class, name=ticket_class)
            ticket = entry if entry is not None and entry.meaning == "ticket" else None
            event_ref = ticket.event_ref if ticket and ticket.event_ref else f"eventbrite:{event_id}"
            if refunded:
                if event_ref in refs_done:
                    continue
                refs_done.add(event_ref)
                data: Any = model(TicketCancelled, "order", order_id=order_id, event_ref=event_ref)
            else:
                data = model(
                    TicketBooked,
                    "order",
                    order_id=order_id,
                    event_ref=event_ref,
                    event_name=ticket.event_name if ticket else None,
                    quantity=count,
                    ticket_class=ticket_class,
                    division=ticket.division if ticket else None,
                )
            events.append(
                event(
                    source=self.name,
                    key=key,
                    part=f"{data.kind}:{ticket_class}",
                    delivery_id=job.vendor_event_id,
                    time=time,
                    data=data,
                    ident=ident,
                )
            )
        gross = money_obj(opt_obj(order, "costs", "costs"), "gross", "costs.gross", amount_key="value")
        if not refunded and gross is not None:
            purchase = model(PurchaseCompleted, "order", order_id=order_id, total=gross, category="ticket")
            events.append(
                event(
                    source=self.name,
                    key=key,
                    part="purchase",
                    delivery_id=job.vendor_event_id,
                    time=time,
                    data=purchase,
                    ident=ident,
                )
            )
        return events

    def _checked_in(self, attendee: dict[str, Any], job: Enrichment, ctx: EnrichContext) -> list[CustomerEvent]:
        if attendee.get("checked_in") is not True:
            return []  # an undo or a stale read: nothing to record
        catalogue = ctx.parse.catalogue
        attendee_id = text(attendee, "id", "id")
        event_id = text(attendee, "event_id", "event_id")
        profile = opt_obj(attendee, "profile", "profile")
        # an attendee's details are typed by whoever bought the ticket: `typed`, unlike the order's email
        ident = identity(
            emails=[profile.get("email")], phones=[profile.get("cell_phone")], region=catalogue.default_region,
            email_trust="typed",
        )
        ticket_class = opt_str(attendee, "ticket_class_name")
        entry = catalogue.lookup(self.name, ticket_class=ticket_class, name=ticket_class) if ticket_class else None
        event_ref = entry.event_ref if entry is not None and entry.event_ref else f"eventbrite:{event_id}"
        data = model(TicketCheckedIn, "attendee", event_ref=event_ref, order_id=opt_str(attendee, "order_id"))
        time = first_time(attendee, ("changed", "created"), "")
        return [
            event(
                source=self.name,
                key=f"attendee:{attendee_id}",
                part="checked_in",
                delivery_id=job.vendor_event_id,
                time=time,
                data=data,
                ident=ident,
            )
        ]


def _fetchable(api_url: Any, base: str) -> str:
    """The URL to GET for `api_url`, or FatalError: only the configured API base is ever fetched.

    A URL on Eventbrite's public API is read from the configured base instead (the same thing in
    production; the vendor stand-in locally), so a realistic payload works against either.
    """
    if isinstance(api_url, str):
        if under_prefix(api_url, base):
            return api_url
        if under_prefix(api_url, API_BASE):
            parts = urlsplit(api_url)
            rest = parts.path[len(urlsplit(API_BASE).path.rstrip("/")) :]
            return base.rstrip("/") + rest + (f"?{parts.query}" if parts.query else "")
    raise FatalError(f"eventbrite api_url {api_url!r} is not on {base}: refusing to fetch it")
