"""The one conformance suite every registered inbound adapter passes (STYLE: house rules).

Per adapter: a delivery signed the vendor's way is accepted and every way of forging one is
refused with SignatureError; every sample in tests/events/<vendor>/ parses into the expected
canonical events; a redelivery yields identical ids; hostile bodies fail as BadInputError
naming the field, never as any other exception (the ingest answer must never be a 500).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from journeysync.config.loader import load_config
from journeysync.errors import BadInputError
from journeysync.vendors import (
    REGISTRY,
    ParseContext,
    Parsed,
    SignatureError,
    VendorAdapter,
    WebhookRequest,
    adapter_for,
)
from tests.events import Sample, samples

SECRET = "whsec-conformance-0123456789"
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
TIMESTAMPED = {"tickettailor", "cloudevents"}  # vendors that sign a timestamp (replay window)
CATALOGUE = load_config("infra/config").catalogue
CTX = ParseContext(catalogue=CATALOGUE, now=lambda: NOW)


def adapter(name: str) -> VendorAdapter:
    found = adapter_for(name)
    assert found is not None
    return found


def delivery(
    sample: Sample,
    *,
    secret: str = SECRET,
    body: bytes | None = None,
    signed_at: datetime = NOW,
    drop: str | None = None,
    token: str | None = None,
) -> WebhookRequest:
    """The request the vendor would send for `sample` (signed over the original body unless told)."""
    a = adapter(sample.vendor)
    headers = {**a.signed_headers(secret, sample.body, url=sample.url, now=signed_at), **sample.headers}
    headers = {k.lower(): v for k, v in headers.items() if k.lower() != drop}
    path_token = (token if token is not None else secret) if a.secret_kind == "path_token" else None
    return WebhookRequest(
        vendor=sample.vendor,
        body=sample.body if body is None else body,
        headers=headers,
        url=sample.url,
        path_token=None if drop == "path_token" else path_token,
        received_at=NOW,
    )


ALL_SAMPLES = [s for name in REGISTRY for s in samples(name)]


def test_every_registered_adapter_has_samples() -> None:
    assert {s.vendor for s in ALL_SAMPLES} == set(REGISTRY)


# --------------------------------------------------------------------------- signatures


@pytest.mark.parametrize("sample", ALL_SAMPLES, ids=lambda s: s.id)
def test_a_delivery_signed_the_vendors_way_is_accepted(sample: Sample) -> None:
    adapter(sample.vendor).verify(delivery(sample), SECRET)


@pytest.mark.parametrize("vendor", sorted(REGISTRY))
def test_a_wrong_key_is_rejected(vendor: str) -> None:
    sample = samples(vendor)[0]
    a = adapter(vendor)
    with pytest.raises(SignatureError):
        a.verify(delivery(sample, secret="not-the-key", token="not-the-key"), SECRET)


@pytest.mark.parametrize("vendor", sorted(v for v in REGISTRY if adapter(v).secret_kind == "hmac"))
def test_a_tampered_body_is_rejected(vendor: str) -> None:
    sample = samples(vendor)[0]
    with pytest.raises(SignatureError):
        adapter(vendor).verify(delivery(sample, body=sample.body.replace(b"e", b"E", 1) + b" "), SECRET)


SIGNATURE_HEADERS = {
    "square": "x-square-hmacsha256-signature",
    "shopify": "x-shopify-hmac-sha256",
    "tickettailor": "tickettailor-webhook-signature",
    "typeform": "typeform-signature",
    "delighted": "x-delighted-webhook-signature",
    "cloudevents": "x-journeysync-signature",
    "eventbrite": "path_token",
    "mailchimp": "path_token",
}


@pytest.mark.parametrize("vendor", sorted(REGISTRY))
def test_a_missing_signature_is_rejected(vendor: str) -> None:
    with pytest.raises(SignatureError):
        adapter(vendor).verify(delivery(samples(vendor)[0], drop=SIGNATURE_HEADERS[vendor]), SECRET)


@pytest.mark.parametrize("vendor", sorted(TIMESTAMPED))
def test_a_stale_timestamp_is_rejected(vendor: str) -> None:
    sample = samples(vendor)[0]
    with pytest.raises(SignatureError):
        adapter(vendor).verify(delivery(sample, signed_at=NOW - timedelta(minutes=6)), SECRET)
    adapter(vendor).verify(delivery(sample, signed_at=NOW - timedelta(minutes=4)), SECRET)


def test_square_signs_the_notification_url_too() -> None:
    sample = samples("square")[0]
    moved = delivery(sample)
    moved = WebhookRequest(
        vendor="square", body=moved.body, headers=moved.headers, url=sample.url + "/", received_at=NOW
    )
    with pytest.raises(SignatureError):
        adapter("square").verify(moved, SECRET)


# --------------------------------------------------------------------------- samples → canonical events


@dataclass(frozen=True)
class Expect:
    types: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    external: dict[str, str] = field(default_factory=dict)
    data: dict[int, dict[str, Any]] = field(default_factory=dict)  # event index → expected data fields
    enrich: str | None = None
    ignored: bool = False


SQ_CUSTOMER = {"square": "JDKYHBWT1D4F8MFH63DBMEN8Y4"}
BOB = ("bob.norman@example.com",)
EXPECTED: dict[str, Expect] = {
    "cloudevents/membership-purchased": Expect(
        ("membership.purchased",), ("kim.lee@example.com",), data={0: {"tier": "family", "term_months": 12}}
    ),
    "square/customer-updated-unsubscribed": Expect(
        ("customer.updated", "consent.changed"),
        ("amelia.earhart@example.com",),
        ("+447911123456",),
        SQ_CUSTOMER,
        {0: {"given_name": "Amelia", "family_name": "Earhart"}, 1: {"status": "unsubscribed", "explicit": True}},
    ),
    "square/payment-completed-no-order": Expect(
        ("purchase.completed",),
        ("ruth.ng@example.org",),
        data={0: {"order_id": "Q9xP4tWZ2dT5", "total": {"amount": 500, "currency": "GBP"}}},
    ),
    "square/payment-created-approved": Expect(ignored=True),
    "square/payment-updated-completed": Expect(enrich="square.payment"),
    "shopify/orders-paid": Expect(
        ("membership.purchased", "ticket.booked", "purchase.completed"),
        BOB,
        ("+447911123457",),
        {"shopify": "706405506930370084"},
        {
            0: {"tier": "family", "channel": "online", "amount": {"amount": 8000, "currency": "GBP"}},
            1: {"event_ref": "exh-dinosaurs-2026", "quantity": 2},
            2: {"total": {"amount": 11200, "currency": "GBP"}, "category": "mixed", "order_id": "820982911946154508"},
        },
    ),
    "shopify/orders-paid-renewal": Expect(
        ("membership.renewed", "purchase.completed", "consent.changed"),
        BOB,
        ("+447911123457",),
        {"shopify": "706405506930370084"},
        {
            0: {"tier": "individual", "amount": {"amount": 4550, "currency": "GBP"}},
            2: {"status": "subscribed", "explicit": False},
        },
    ),
    "shopify/orders-create": Expect(ignored=True),
    "shopify/orders-cancelled": Expect(
        ("membership.cancelled", "ticket.cancelled"),
        BOB,
        ("+447911123457",),
        {"shopify": "706405506930370084"},
        {0: {"refunded": True, "reason": "customer"}, 1: {"event_ref": "exh-dinosaurs-2026"}},
    ),
    "shopify/refunds-create": Expect(enrich="shopify.refund"),
    "shopify/checkouts-create": Expect(
        ("checkout.started",), ("carol.checkout@example.com",), (), {"shopify": "706405506930370085"},
        data={0: {"checkout_token": "4d3f1c2b9a8e7f6d5c4b3a2918273645", "lines": 1}},
    ),
    "shopify/customers-update": Expect(
        ("customer.updated", "consent.changed"),
        ("cara.diaz@example.com",),
        ("+447911123458",),
        {"shopify": "706405506930370085"},
        {0: {"given_name": "Cara"}, 1: {"status": "subscribed", "explicit": False}},
    ),
    "shopify/customers-create-confirmed": Expect(
        ("customer.updated", "consent.changed"),
        ("dev.patel@example.com",),
        (),
        {"shopify": "706405506930370086"},
        {1: {"status": "subscribed", "explicit": True}},
    ),
    "eventbrite/order-placed": Expect(enrich="eventbrite.fetch"),
    "eventbrite/order-refunded": Expect(enrich="eventbrite.fetch"),
    "eventbrite/attendee-checked-in": Expect(enrich="eventbrite.fetch"),
    "eventbrite/event-updated": Expect(ignored=True),
    "tickettailor/order-created": Expect(
        ("ticket.booked", "ticket.booked"),
        ("eli.moss@example.com",),
        ("+447911123460",),
        data={
            0: {
                "event_ref": "exh-dinosaurs-2026",
                "ticket_class": "Dinosaurs Unearthed - Adult",
                "order_id": "or_737352",
            },
            1: {"ticket_class": "Dinosaurs Unearthed - Child"},
        },
    ),
    "tickettailor/order-updated-cancelled": Expect(
        ("ticket.cancelled", "ticket.cancelled"),
        ("eli.moss@example.com",),
        ("+447911123460",),
        data={0: {"event_ref": "exh-dinosaurs-2026"}},
    ),
    "tickettailor/issued-ticket-voided": Expect(
        ("ticket.cancelled",),
        ("eli.moss@example.com",),
        data={0: {"order_id": "or_737352", "event_ref": "exh-dinosaurs-2026"}},
    ),
    "tickettailor/issued-ticket-checked-in": Expect(
        ("ticket.checked_in",), ("eli.moss@example.com",), data={0: {"event_ref": "tickettailor:ev_41000"}}
    ),
    "tickettailor/issued-ticket-created": Expect(ignored=True),
    "typeform/form-response-visit": Expect(
        ("survey.responded",),
        ("fay.lo@example.com",),
        ("+447911123461",),
        {"journeysync": "cus_7f3a"},
        {
            0: {
                "response_id": "a3a12ec67a1365927098a606107fac15",
                "scale": "nps",
                "score": 9,
                "comment": "Loved the dinosaurs",
                "touchpoint": "gallery-visit",
                "location": "riverside-main",
            }
        },
    ),
    "typeform/form-response-cafe": Expect(
        ("survey.responded",), ("gus@example.com",), data={0: {"scale": "csat", "score": 2, "touchpoint": "cafe"}}
    ),
    "typeform/form-response-unknown-form": Expect(ignored=True),
    "delighted/survey-response-created": Expect(
        ("survey.responded",),
        ("hana.ito@example.com",),
        (),
        {"delighted": "1020"},
        {0: {"response_id": "5435", "scale": "nps", "score": 3, "comment": None, "touchpoint": "membership-desk"}},
    ),
    "delighted/survey-response-updated": Expect(
        ("survey.responded",),
        ("hana.ito@example.com",),
        (),
        {"delighted": "1020"},
        {0: {"response_id": "5435", "comment": "Queue at the desk was far too long"}},
    ),
    "delighted/unsubscribe-created": Expect(
        ("consent.changed",),
        ("ivan@example.com",),
        (),
        {"delighted": "1021"},
        {0: {"status": "unsubscribed", "explicit": True}},
    ),
    "mailchimp/unsubscribe": Expect(
        ("consent.changed",), ("jo.bloggs@example.com",), data={0: {"status": "unsubscribed", "explicit": True}}
    ),
    "mailchimp/unsubscribe-abuse": Expect(
        ("consent.changed",), ("jo.bloggs@example.com",), data={0: {"status": "complained", "explicit": True}}
    ),
    "mailchimp/cleaned": Expect(
        ("consent.changed",), ("bounced@example.com",), data={0: {"status": "cleaned", "explicit": False}}
    ),
    "mailchimp/profile": Expect(
        ("customer.updated",),
        ("jo.bloggs@example.com",),
        ("+447911123462",),
        data={0: {"given_name": "Joanna", "family_name": "Bloggs"}},
    ),
    "mailchimp/upemail": Expect(
        ("customer.updated",), ("jo.new@example.com",), data={0: {"previous_email": "jo.bloggs@example.com"}}
    ),
    "mailchimp/subscribe": Expect(
        ("consent.changed",), ("jo.bloggs@example.com",), data={0: {"status": "subscribed", "explicit": False}}
    ),
    "mailchimp/campaign": Expect(ignored=True),
}


def parse(sample: Sample, **kw: Any) -> Parsed:
    request = delivery(sample, **kw)
    a = adapter(sample.vendor)
    a.verify(request, SECRET)
    return a.parse(request, CTX)


def test_every_sample_has_an_expectation() -> None:
    assert {s.id for s in ALL_SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("sample", ALL_SAMPLES, ids=lambda s: s.id)
def test_every_sample_parses_into_the_expected_canonical_events(sample: Sample) -> None:
    want = EXPECTED[sample.id]
    parsed = parse(sample)
    assert parsed.vendor_event_id
    assert tuple(e.type for e in parsed.events) == want.types
    assert (parsed.ignored is not None) == want.ignored
    assert [j.kind for j in parsed.enrichments] == ([want.enrich] if want.enrich else [])
    for job in parsed.enrichments:
        json.dumps(job.model_dump(mode="json"))  # it may be queued
    for made in parsed.events:
        assert made.identity.emails == want.emails
        assert made.identity.phones == want.phones
        assert made.identity.external == want.external
        assert made.source == sample.vendor or sample.vendor == "cloudevents"
        assert made.time.tzinfo is not None and made.time < NOW
        assert made.subject is not None
    for index, fields in want.data.items():
        data = parsed.events[index].data.model_dump(mode="json")
        assert {k: data.get(k) for k in fields} == fields
    assert len({e.id for e in parsed.events}) == len(parsed.events)


@pytest.mark.parametrize("sample", ALL_SAMPLES, ids=lambda s: s.id)
def test_a_redelivery_yields_identical_ids(sample: Sample) -> None:
    first, again = parse(sample), parse(sample, signed_at=NOW - timedelta(seconds=30))
    assert first.vendor_event_id == again.vendor_event_id
    assert [e.id for e in first.events] == [e.id for e in again.events]
    assert [j.model_dump() for j in first.enrichments] == [j.model_dump() for j in again.enrichments]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("vendor", sorted(REGISTRY))
def test_a_malformed_body_is_bad_input_naming_the_body(vendor: str) -> None:
    sample = samples(vendor)[0]
    garbage = b"\xff\xfe not a body" if vendor == "mailchimp" else b'{"event_id": "x", '
    bad = Sample(vendor, "garbage", garbage, sample.headers, sample.url)
    with pytest.raises(BadInputError) as exc:
        parse(bad)
    assert exc.value.field == "body"


def _drop(doc: Any, path: str) -> Any:
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[last]
    return doc


MISSING: list[tuple[str, str, str]] = [  # (sample, dotted path to delete, field BadInputError names)
    ("cloudevents/membership-purchased", "source", "source"),
    ("square/payment-updated-completed", "event_id", "event_id"),
    ("square/payment-updated-completed", "data.object.payment.status", "data.object.payment.status"),
    ("square/customer-updated-unsubscribed", "data.object.customer.id", "data.object.customer.id"),
    ("shopify/orders-paid", "id", "id"),
    ("shopify/orders-paid", "total_price", "total_price"),
    ("shopify/refunds-create", "order_id", "order_id"),
    ("shopify/checkouts-create", "token", "token"),
    ("eventbrite/order-placed", "config.action", "config.action"),
    ("eventbrite/order-placed", "api_url", "api_url"),
    ("tickettailor/order-created", "payload", "payload"),
    ("tickettailor/order-created", "payload.issued_tickets.0.id", "payload.issued_tickets.0.id"),
    ("typeform/form-response-visit", "form_response.token", "form_response.token"),
    ("delighted/survey-response-created", "event_data.id", "event_data.id"),
    ("delighted/survey-response-created", "event_data.score", "event_data.score"),
]


@pytest.mark.parametrize(("name", "path", "field_name"), MISSING, ids=[f"{n}-{p}" for n, p, _ in MISSING])
def test_a_missing_required_field_is_bad_input_naming_it(name: str, path: str, field_name: str) -> None:
    vendor, _, stem = name.partition("/")
    sample = next(s for s in samples(vendor) if s.name == stem)
    body = json.dumps(_drop(sample.json(), path)).encode()
    with pytest.raises(BadInputError) as exc:
        parse(Sample(vendor, stem, body, sample.headers, sample.url))
    assert exc.value.field == field_name


@pytest.mark.parametrize(
    ("stem", "key"), [("unsubscribe", "type"), ("unsubscribe", "data[email]"), ("upemail", "data[new_email]")]
)
def test_a_mailchimp_form_missing_a_field_is_bad_input_naming_it(stem: str, key: str) -> None:
    from urllib.parse import parse_qsl, urlencode

    sample = next(s for s in samples("mailchimp") if s.name == stem)
    pairs = [(k, v) for k, v in parse_qsl(sample.body.decode()) if k != key]
    with pytest.raises(BadInputError) as exc:
        parse(Sample("mailchimp", stem, urlencode(pairs).encode()))
    assert exc.value.field == key


def test_shopify_without_a_topic_is_bad_input_naming_the_header() -> None:
    sample = samples("shopify")[0]
    request = delivery(sample, drop="x-shopify-topic")
    with pytest.raises(BadInputError) as exc:
        adapter("shopify").parse(request, CTX)
    assert exc.value.field == "headers.x-shopify-topic"
