"""Consent over random histories of every vendor's consent signals, parsed by the real adapters.

The invariant: whatever order the signals arrive in, after every one of them, a customer whose
latest *explicit* act (by its real time; an unsubscribe wins a tie) is an unsubscribe is never
subscribed — not in the profile and not in what any destination would be told. Times are drawn
from a few minutes so ties are common, and Shopify's consent block often lacks its own time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeysync.config.loader import load_config
from journeysync.consent import fold_consent
from journeysync.destinations.model import desired_for
from journeysync.models.customer import ConsentRecord
from journeysync.models.events import CustomerEvent
from journeysync.profile.fold import FoldContext, apply_event, new_customer
from journeysync.vendors import ParseContext, WebhookRequest, adapter_for
from tests.events import ROOT

CONFIG = load_config("infra/config")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CTX = ParseContext(catalogue=CONFIG.catalogue, now=lambda: NOW)
EMAIL = "ann.lee@example.com"
ORDER = json.loads((ROOT / "shopify" / "orders-paid.json").read_text())


@dataclass(frozen=True)
class Signal:
    vendor: str
    body: bytes
    act: tuple[datetime, str] | None  # the customer's own explicit act this signal reports, if any
    topic: str = ""


def _at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


minutes = st.integers(min_value=0, max_value=6)


@st.composite
def mailchimp(draw: Any) -> Signal:
    kind = draw(st.sampled_from(["unsubscribe", "abuse", "cleaned", "subscribe"]))
    at = _at(draw(minutes))
    form = {"type": "unsubscribe" if kind == "abuse" else kind, "fired_at": at.strftime("%Y-%m-%d %H:%M:%S"),
            "data[email]": EMAIL, "data[reason]": "abuse" if kind == "abuse" else "manual"}
    act = (at, "unsubscribed") if kind in ("unsubscribe", "abuse") else None
    return Signal("mailchimp", urlencode(form).encode(), act)


@st.composite
def shopify_customer(draw: Any) -> Signal:
    updated = _at(draw(minutes))
    state = draw(st.sampled_from(["subscribed", "unsubscribed", "not_subscribed", "pending"]))
    level = draw(st.sampled_from(["confirmed_opt_in", "single_opt_in"]))
    consent_at = draw(st.none() | minutes.map(_at))
    block: dict[str, Any] = {"state": state, "opt_in_level": level}
    if consent_at is not None:
        block["consent_updated_at"] = _iso(consent_at)
    doc = {"id": 7001, "email": EMAIL, "updated_at": _iso(updated), "email_marketing_consent": block}
    act: tuple[datetime, str] | None = None
    if state == "subscribed" and level == "confirmed_opt_in" and consent_at is not None:
        act = (consent_at, "subscribed")
    elif state == "unsubscribed":
        act = (consent_at or updated, "unsubscribed")
    return Signal("shopify", json.dumps(doc).encode(), act, "customers/update")


@st.composite
def shopify_checkout(draw: Any) -> Signal:
    doc = {**ORDER, "id": draw(st.integers(1, 10**6)), "email": EMAIL, "processed_at": _iso(_at(draw(minutes))),
           "buyer_accepts_marketing": True}
    return Signal("shopify", json.dumps(doc).encode(), None, "orders/paid")  # a pre-ticked box is no act


@st.composite
def square(draw: Any) -> Signal:
    at = _at(draw(minutes))
    customer = {"id": "SQ-ANN", "email_address": EMAIL, "updated_at": _iso(at), "version": draw(st.integers(1, 99)),
                "preferences": {"email_unsubscribed": True}}
    doc = {"merchant_id": "M", "type": "customer.updated", "event_id": f"sq-{at.timestamp()}",
           "created_at": _iso(at), "data": {"type": "customer", "id": "SQ-ANN", "object": {"customer": customer}}}
    return Signal("square", json.dumps(doc).encode(), (at, "unsubscribed"))


@st.composite
def delighted(draw: Any) -> Signal:
    at = _at(draw(minutes))
    doc = {"event_type": "unsubscribe.created", "event_id": f"dl-{at.timestamp()}",
           "event_data": {"person_id": "1021", "email": EMAIL, "unsubscribed_at": int(at.timestamp())}}
    return Signal("delighted", json.dumps(doc).encode(), (at, "unsubscribed"))


@st.composite
def cloudevent(draw: Any) -> Signal:
    at = _at(draw(minutes))
    status = draw(st.sampled_from(["subscribed", "unsubscribed"]))
    explicit = draw(st.booleans())
    doc = {"specversion": "1.0", "id": f"ce-{draw(st.integers(0, 10**6))}", "source": "crm", "time": _iso(at),
           "type": "consent.changed", "identity": {"emails": [EMAIL]},
           "data": {"status": status, "explicit": explicit}}
    act = (at, status) if explicit or status == "unsubscribed" else None
    return Signal("cloudevents", json.dumps(doc).encode(), act)


signals = st.one_of(mailchimp(), shopify_customer(), shopify_checkout(), square(), delighted(), cloudevent())


def events_of(signal: Signal) -> list[CustomerEvent]:
    adapter = adapter_for(signal.vendor)
    assert adapter is not None
    headers = {"x-shopify-topic": signal.topic, "x-shopify-event-id": f"e-{hash(signal.body)}"} if signal.topic else {}
    request = WebhookRequest(vendor=signal.vendor, body=signal.body, headers=headers, received_at=NOW,
                             path_token="t" if signal.vendor == "mailchimp" else None)
    return adapter.parse(request, CTX).events


def latest_act(acts: list[tuple[datetime, str]]) -> str | None:
    """The customer's latest explicit act; at the same instant an unsubscribe wins."""
    if not acts:
        return None
    return max(acts, key=lambda a: (a[0], a[1] == "unsubscribed"))[1]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(signals, min_size=1, max_size=8))
def test_a_customer_whose_latest_explicit_act_is_an_unsubscribe_is_never_opted_in_anywhere(
    history: list[Signal],
) -> None:
    ctx = FoldContext(CONFIG, NOW)
    customer = new_customer("c-1", ctx)
    acts: list[tuple[datetime, str]] = []
    for signal in history:  # in arrival order, which is not time order
        for event in events_of(signal):
            customer = apply_event(customer, event, ctx)
        if signal.act is not None:
            acts.append(signal.act)
        if latest_act(acts) == "unsubscribed":
            assert customer.profile.email_consent.status != "subscribed", (acts, customer.profile.email_consent)
            desired = desired_for(customer, frozenset({"members"}))
            assert not desired.subscribed


def test_an_unsubscribe_and_an_opt_in_at_the_same_instant_resolve_to_unsubscribed() -> None:
    at = _at(0)
    opt_in = ConsentRecord(status="subscribed", source="crm", at=at, explicit=True, event_id="a")
    opt_out = ConsentRecord(status="unsubscribed", source="mailchimp", at=at, explicit=True, event_id="b")
    assert fold_consent([opt_in, opt_out]).status == "unsubscribed"
    assert fold_consent([opt_out, opt_in]).status == "unsubscribed"
    # the event ids sort the other way round too: the tie rule, not the id, decides
    assert fold_consent([opt_in.model_copy(update={"event_id": "z"}), opt_out]).status == "unsubscribed"
