"""A day at the Riverside Museum as vendor webhooks, in the vendors' own payload shapes.

Deterministic for a seed. Members buy and renew at the till (Square, whose payments carry no
line items: the order and often the customer are fetched from the Square API, played by the
vendor stand-in) and online (Shopify); book exhibitions (Eventbrite, fetched by `api_url`) and
cinema (Ticket Tailor); are scanned in at the door (our signed CloudEvents); answer surveys
(Delighted — score first, comment later — and Typeform); unsubscribe (Mailchimp). Some use a
different email at the till than online but the same phone, so their profiles merge.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

FIRST = [
    "Ann",
    "Ben",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jo",
    "Kai",
    "Lena",
    "Max",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vic",
    "Wes",
    "Xia",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Brook",
    "Chen",
    "Dunn",
    "Evans",
    "Frost",
    "Gill",
    "Hart",
    "Iqbal",
    "Jones",
    "Khan",
    "Lopez",
    "Moss",
    "Nash",
    "Okafor",
    "Patel",
    "Quayle",
    "Reid",
    "Singh",
    "Tran",
    "Usher",
    "Vance",
    "Wood",
    "Young",
    "Zhou",
]
MEMBERSHIPS = [
    ("Individual Membership", "MEM-IND-12", 6000),
    ("Joint Membership", "MEM-JNT-12", 8500),
    ("Family Membership", "MEM-FAM-12", 9500),
    ("Patron", "MEM-PAT-12", 25000),
]
EXHIBITIONS = [
    ("Dinosaurs Unearthed - Adult", "exh-dinosaurs-2026"),
    ("Impressionists - General", "exh-impressionists"),
]


@dataclass
class Member:
    index: int
    given: str
    family: str
    email: str
    phone: str
    till_email: str | None = None  # a different address given at the till (same phone): a merge to find

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass
class Delivery:
    """One HTTP POST a vendor makes. `path` is after the gateway URL; `copies` > 1 replays it (a vendor retry)."""

    vendor: str
    body: bytes
    kind: str
    member: int | None
    path: str = ""
    content_type: str = "application/json"
    copies: int = 1
    forged: bool = False
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Day:
    members: list[Member]
    deliveries: list[Delivery]
    square_orders: dict[str, Any] = field(default_factory=dict)
    square_customers: dict[str, Any] = field(default_factory=dict)
    eventbrite_orders: dict[str, Any] = field(default_factory=dict)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


class DayBuilder:
    def __init__(self, members: int, seed: int, now: datetime, eventbrite_api: str) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.eventbrite_api = eventbrite_api.rstrip("/")
        self.day = Day(members=[self._member(i) for i in range(members)], deliveries=[])

    def _member(self, i: int) -> Member:
        given, family = self.rng.choice(FIRST), self.rng.choice(LAST)
        email = f"{given}.{family}{i}@example.org".lower()
        member = Member(i, given, family, email, f"+4479112{i:05d}")
        if self.rng.random() < 0.06:
            member.till_email = f"{given[0]}{family}{i}@mail.example".lower()
        return member

    def _at(self) -> datetime:
        return self.now - timedelta(hours=10) + timedelta(seconds=self.rng.randrange(0, 9 * 3600))

    def _add(self, delivery: Delivery) -> None:
        if self.rng.random() < 0.1:
            delivery.copies = 2  # the vendor did not see our 200 in time and retries
        self.day.deliveries.append(delivery)

    # ---------------------------------------------------------------- vendors
    def square_membership(self, m: Member, renewal: bool = False) -> None:
        name, _sku, price = self.rng.choice(MEMBERSHIPS)
        at = self._at()
        order_id, payment_id, customer_id = (
            uuid.UUID(int=self.rng.getrandbits(128)).hex[:24].upper() for _ in range(3)
        )
        email = m.till_email or m.email
        self.day.square_orders[order_id] = {
            "id": order_id,
            "location_id": "L8RIVERSIDE01",
            "state": "COMPLETED",
            "customer_id": customer_id,
            "created_at": _iso(at),
            "line_items": [
                {
                    "uid": "li-1",
                    "name": name,
                    "quantity": "1",
                    "catalog_object_id": f"VAR-{_sku}",
                    "variation_name": "Renewal" if renewal else "12 months",
                    "base_price_money": {"amount": price, "currency": "GBP"},
                    "total_money": {"amount": price, "currency": "GBP"},
                }
            ],
            "total_money": {"amount": price, "currency": "GBP"},
        }
        with_email = self.rng.random() < 0.4 and not m.till_email  # a merge needs the phone from the customer
        if not with_email:
            self.day.square_customers[customer_id] = {
                "id": customer_id,
                "given_name": m.given,
                "family_name": m.family,
                "email_address": email,
                "phone_number": m.phone,
                "created_at": _iso(at),
                "updated_at": _iso(at),
                "version": 1,
                "preferences": {"email_unsubscribed": False},
            }
        payment: dict[str, Any] = {
            "id": payment_id,
            "created_at": _iso(at),
            "updated_at": _iso(at),
            "amount_money": {"amount": price, "currency": "GBP"},
            "total_money": {"amount": price, "currency": "GBP"},
            "status": "COMPLETED",
            "source_type": "CARD",
            "location_id": "L8RIVERSIDE01",
            "order_id": order_id,
            "customer_id": customer_id,
            "note": "till 2",
            "version": 3,
        }
        if with_email:
            payment["buyer_email_address"] = email
        body = {
            "merchant_id": "6SSW7HV8K2ST5",
            "type": "payment.updated",
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "created_at": _iso(at),
            "data": {"type": "payment", "id": payment_id, "object": {"payment": payment}},
        }
        self._add(Delivery("square", _json(body), "membership (till)", m.index))

    def shopify_order(self, m: Member, membership: bool, ticket: bool, renewal: bool = False) -> None:
        at = self._at()
        items: list[dict[str, Any]] = []
        if membership:
            name, sku, price = self.rng.choice(MEMBERSHIPS)
            items.append(
                {
                    "id": self.rng.getrandbits(40),
                    "product_id": 632910392,
                    "variant_id": 39072856,
                    "sku": sku,
                    "title": name,
                    "variant_title": "Renewal" if renewal else None,
                    "quantity": 1,
                    "price": f"{price / 100:.2f}",
                    "name": name,
                }
            )
        if ticket:
            items.append(
                {
                    "id": self.rng.getrandbits(40),
                    "product_id": 632910393,
                    "variant_id": 39072857,
                    "sku": "EXH-DINO",
                    "title": "Dinosaurs Unearthed - Adult",
                    "variant_title": None,
                    "quantity": 2,
                    "price": "12.00",
                    "name": "Dinosaurs Unearthed - Adult",
                }
            )
        total = sum(float(i["price"]) * int(i["quantity"]) for i in items)
        order = {
            "id": self.rng.getrandbits(50),
            "name": f"#{1000 + m.index}",
            "email": m.email,
            "phone": m.phone,
            "created_at": at.isoformat(),
            "updated_at": at.isoformat(),
            "processed_at": at.isoformat(),
            "currency": "GBP",
            "financial_status": "paid",
            "total_price": f"{total:.2f}",
            "subtotal_price": f"{total:.2f}",
            "buyer_accepts_marketing": self.rng.random() < 0.5,
            "customer": {
                "id": 706405506930370084 + m.index,
                "email": m.email,
                "first_name": m.given,
                "last_name": m.family,
                "phone": m.phone,
            },
            "line_items": items,
            "cancelled_at": None,
            "cancel_reason": None,
        }
        headers = {
            "x-shopify-topic": "orders/paid",
            "x-shopify-event-id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "x-shopify-shop-domain": "riverside-museum.myshopify.com",
            "x-shopify-triggered-at": at.isoformat(),
        }
        kind = "membership (online)" if membership else "tickets (online)"
        self._add(Delivery("shopify", _json(order), kind, m.index, extra_headers=headers))

    def eventbrite_booking(self, m: Member) -> None:
        at = self._at()
        ticket_class, _ref = self.rng.choice(EXHIBITIONS)
        order_id = str(1184000000 + m.index)
        attendee = {
            "id": str(2179000000 + m.index),
            "event_id": "717926867587",
            "order_id": order_id,
            "ticket_class_name": ticket_class,
            "profile": {"first_name": m.given, "last_name": m.family, "email": m.email, "cell_phone": m.phone},
            "status": "Attending",
            "checked_in": False,
            "cancelled": False,
            "refunded": False,
            "created": _iso(at),
            "changed": _iso(at),
        }
        self.day.eventbrite_orders[order_id] = {
            "id": order_id,
            "email": m.email,
            "first_name": m.given,
            "last_name": m.family,
            "status": "placed",
            "created": _iso(at),
            "changed": _iso(at),
            "event_id": "717926867587",
            "costs": {"gross": {"currency": "GBP", "value": 1800, "major_value": "18.00", "display": "£18.00"}},
            "attendees": [attendee],
        }
        body = {
            "config": {
                "action": "order.placed",
                "user_id": "163054428874",
                "endpoint_url": "",
                "webhook_id": "2211429",
            },
            "api_url": f"{self.eventbrite_api}/orders/{order_id}/",
        }
        self._add(Delivery("eventbrite", _json(body), "booking (Eventbrite)", m.index))

    def tickettailor_booking(self, m: Member) -> None:
        at = self._at()
        order_id = f"or_{800000 + m.index}"
        ticket: dict[str, Any] = {
            "object": "issued_ticket",
            "id": f"it_{900000 + m.index}",
            "add_on_id": None,
            "barcode": f"b{m.index}",
            "checked_in": "false",
            "created_at": int(at.timestamp()),
            "custom_questions": [],
            "description": "Film ticket - Standard",
            "email": m.email,
            "event_id": "ev_51000",
            "event_series_id": "es_700",
            "reference": None,
            "full_name": m.name,
            "first_name": m.given,
            "last_name": m.family,
            "status": "valid",
            "source": "checkout",
            "ticket_type_id": "tt_1",
            "updated_at": int(at.timestamp()),
            "voided_at": None,
            "order_id": order_id,
        }
        body = {
            "id": f"wh_{m.index}",
            "created_at": at.strftime("%Y-%m-%d %H:%M:%S"),
            "event": "ORDER.CREATED",
            "resource_url": f"https://api.tickettailor.com/v1/orders/{order_id}",
            "payload": {
                "object": "order",
                "id": order_id,
                "buyer_details": {
                    "email": m.email,
                    "first_name": m.given,
                    "last_name": m.family,
                    "name": m.name,
                    "phone": m.phone,
                    "address": {},
                    "custom_questions": [],
                },
                "created_at": int(at.timestamp()),
                "updated_at": int(at.timestamp()),
                "currency": {"base_multiplier": 100, "code": "gbp"},
                "event_summary": {
                    "id": "ev_51000",
                    "event_series_id": "es_700",
                    "name": "Cinema screening",
                    "start_date": {
                        "date": at.date().isoformat(),
                        "time": "19:30",
                        "timezone": "+00:00",
                        "unix": int(at.timestamp()) + 3600,
                    },
                },
                "issued_tickets": [ticket],
                "line_items": [],
                "status": "completed",
                "total": 950,
                "subtotal": 950,
            },
        }
        self._add(Delivery("tickettailor", _json(body), "booking (Ticket Tailor)", m.index))

    def check_in(self, m: Member) -> None:
        at = self._at()
        body = {
            "specversion": "1.0",
            "id": f"gate-{m.index}-{int(at.timestamp())}",
            "source": "riverside-gates",
            "type": "ticket.checked_in",
            "time": _iso(at),
            "identity": {"emails": [m.email]},
            "data": {"event_ref": "general-admission", "location": "riverside-main"},
        }
        self._add(
            Delivery(
                "cloudevents", _json(body), "check-in (gates)", m.index, content_type="application/cloudevents+json"
            )
        )

    def delighted_rating(self, m: Member) -> None:
        at = self._at()
        score = self.rng.choice([0, 2, 3, 5, 6, 7, 8, 9, 9, 10, 10, 10])
        response_id = str(5000 + m.index)
        data = {
            "id": response_id,
            "person": {
                "id": str(1000 + m.index),
                "email": m.email,
                "name": m.name,
                "phone_number": None,
                "created_at": int(at.timestamp()),
            },
            "survey_type": "nps",
            "score": score,
            "comment": None,
            "permalink": f"https://delighted.com/r/{response_id}",
            "created_at": int(at.timestamp()),
            "updated_at": int(at.timestamp()),
            "person_properties": {"touchpoint": "visit", "location": "riverside-main"},
            "notes": [],
            "tags": [],
            "additional_answers": [],
        }
        created = {"event_type": "survey_response.created", "event_id": f"e-{m.index}-c", "event_data": data}
        self._add(Delivery("delighted", _json(created), "rating (Delighted)", m.index))
        if score <= 6:  # the comment arrives later, as an update of the same response
            later = at + timedelta(minutes=3)
            updated = {
                **data,
                "comment": "The queue was long and the café was closed.",
                "updated_at": int(later.timestamp()),
            }
            self._add(
                Delivery(
                    "delighted",
                    _json(
                        {"event_type": "survey_response.updated", "event_id": f"e-{m.index}-u", "event_data": updated}
                    ),
                    "rating comment (Delighted)",
                    m.index,
                )
            )

    def typeform_rating(self, m: Member) -> None:
        at = self._at()
        score = self.rng.choice([1, 2, 4, 5, 5])
        body = {
            "event_id": f"01TF{m.index:08d}",
            "event_type": "form_response",
            "form_response": {
                "form_id": "cafeCSAT",
                "token": f"tf{m.index:08d}",
                "landed_at": _iso(at),
                "submitted_at": _iso(at),
                "hidden": {},
                "definition": {
                    "id": "cafeCSAT",
                    "title": "The café",
                    "fields": [
                        {"id": "C1", "ref": "cafe_rating", "type": "rating", "title": "How was the café?"},
                        {"id": "C2", "ref": "cafe_email", "type": "email", "title": "Email"},
                    ],
                },
                "answers": [
                    {"type": "number", "number": score, "field": {"id": "C1", "type": "rating", "ref": "cafe_rating"}},
                    {"type": "email", "email": m.email, "field": {"id": "C2", "type": "email", "ref": "cafe_email"}},
                ],
            },
        }
        self._add(Delivery("typeform", _json(body), "rating (Typeform)", m.index))

    def mailchimp_unsubscribe(self, m: Member) -> None:
        at = self._at()
        form = {
            "type": "unsubscribe",
            "fired_at": at.strftime("%Y-%m-%d %H:%M:%S"),
            "data[id]": f"mc{m.index}",
            "data[list_id]": "a6b5da1054",
            "data[email]": m.email,
            "data[email_type]": "html",
            "data[merges][EMAIL]": m.email,
            "data[merges][FNAME]": m.given,
            "data[merges][LNAME]": m.family,
            "data[action]": "unsub",
            "data[reason]": "manual",
        }
        self._add(
            Delivery(
                "mailchimp",
                urlencode(form).encode(),
                "unsubscribe (Mailchimp)",
                m.index,
                content_type="application/x-www-form-urlencoded",
            )
        )

    # ---------------------------------------------------------------- the day
    def member_day(self, m: Member) -> None:
        """What one member does today."""
        r = self.rng.random()
        if r < 0.40 or m.till_email:
            self.square_membership(m)
        elif r < 0.65:
            self.shopify_order(m, membership=True, ticket=self.rng.random() < 0.3)
        if m.till_email:  # the same person online with their usual address: the phone links the two
            self.shopify_order(m, membership=False, ticket=True)
        if self.rng.random() < 0.08:
            self.shopify_order(m, membership=True, ticket=False, renewal=True)
        if self.rng.random() < 0.35:
            self.eventbrite_booking(m)
        if self.rng.random() < 0.12:
            self.tickettailor_booking(m)
        if self.rng.random() < 0.3:
            self.check_in(m)
        if self.rng.random() < 0.3:
            self.delighted_rating(m)
        if self.rng.random() < 0.08:
            self.typeform_rating(m)
        if self.rng.random() < 0.06:
            self.mailchimp_unsubscribe(m)

    def build(self) -> Day:
        for m in self.day.members:
            self.member_day(m)
        self.rng.shuffle(self.day.deliveries)  # vendors deliver out of order
        for delivery in self.rng.sample(self.day.deliveries, k=min(4, len(self.day.deliveries))):
            self.day.deliveries.append(
                Delivery(
                    delivery.vendor,
                    delivery.body,
                    "forgery",
                    None,
                    path=delivery.path,
                    content_type=delivery.content_type,
                    forged=True,
                    extra_headers=delivery.extra_headers,
                )
            )
        return self.day


def build_day(members: int = 300, seed: int = 7, now: datetime | None = None, eventbrite_api: str = "") -> Day:
    return DayBuilder(members, seed, now or datetime.now(UTC), eventbrite_api).build()
