"""The convergent profile fold: a customer is the *join* of the facts every event contributed.

Each event becomes a one-event customer (`delta`); applying it is `join(current, delta)`,
and merging two customers is `join(survivor, loser)` — the same operation. `join` is
commutative, associative and idempotent over the stored facts, and everything else is
re-derived from those facts, so any order and any number of duplicates of a set of
events gives one profile:

- last-writer-wins scalars (names, CRM owner, primary email, vendor ids, rating score and
  comment) carry their event time in `profile.field_times`; ties break on the value;
- sets grow by union: identity keys, divisions, membership terms, the consent ledger,
  bookings (status is a lattice booked < cancelled < attended), purchases, ratings;
- derived: membership validity (folded from *all* terms in time order), consent status
  (`journeysync.consent`), visits, last survey, VIP / at-risk flags, journey positions.

Lists with caps (purchases, ratings, bookings, journey entries) keep the newest; the
cap is the only place order can matter, and only beyond it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeysync.config.loader import AppConfig
from journeysync.config.routing import RoutingConfig
from journeysync.consent import fold_consent
from journeysync.models.customer import (
    Booking,
    Checkout,
    ConsentRecord,
    Customer,
    Identity,
    Membership,
    MembershipStatus,
    MembershipTerm,
    Profile,
    PurchaseSummary,
    RatingSummary,
)
from journeysync.models.events import (
    CheckoutStarted,
    ConsentChanged,
    CustomerEvent,
    CustomerUpdated,
    MembershipCancelled,
    MembershipPurchased,
    MembershipRenewed,
    PurchaseCompleted,
    SurveyResponded,
    TicketBooked,
    TicketCancelled,
    TicketCheckedIn,
)

PURCHASES_CAP = 50
CHECKOUTS_CAP = 20
RATINGS_CAP = 20
BOOKINGS_CAP = 100

_BOOKING_RANK = {"booked": 0, "cancelled": 1, "attended": 2}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FoldContext:
    """What the fold needs besides the events: configuration and the current time."""

    config: AppConfig
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


# ----------------------------------------------------------------------------- helpers


def add_months(at: datetime, months: int) -> datetime:
    """Calendar months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month0 = at.month - 1 + months
    year, month = at.year + month0 // 12, month0 % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def _tkey(value: Any) -> str:
    return "" if value is None else str(value)


def _lww(
    times: dict[str, datetime], key: str, a: tuple[Any, datetime | None], b: tuple[Any, datetime | None]
) -> Any:
    """Pick the value with the later (time, value); record its time under `key`."""
    (va, ta), (vb, tb) = a, b
    if ta is None and tb is None:
        return va if va is not None else vb
    ka = (ta or _EPOCH, _tkey(va)) if ta is not None else None
    kb = (tb or _EPOCH, _tkey(vb)) if tb is not None else None
    if kb is None or (ka is not None and ka >= kb):
        assert ta is not None
        times[key] = ta
        return va
    assert tb is not None
    times[key] = tb
    return vb


def _t(times: dict[str, datetime], key: str) -> datetime | None:
    return times.get(key)


# ----------------------------------------------------------------------------- event → delta


def _membership(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    if isinstance(data, MembershipCancelled):
        term = MembershipTerm(
            event_id=event.id, kind="cancelled", at=event.time, order_id=data.order_id, refunded=data.refunded
        )
    else:
        term = MembershipTerm(
            event_id=event.id,
            kind="purchased" if isinstance(data, MembershipPurchased) else "renewed",
            at=event.time,
            tier=data.tier,
            term_months=data.term_months,
            order_id=data.order_id,
        )
    profile.membership = Membership(terms=[term])


def _purchase(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    profile.purchases = [
        PurchaseSummary(
            order_id=data.order_id,
            at=event.time,
            amount=data.total.amount,
            currency=data.total.currency,
            category=data.category,
            title=data.items[0].title if data.items else None,
        )
    ]
    if data.checkout_token:
        profile.checkouts = [Checkout(token=data.checkout_token, completed_at=event.time)]


def _checkout(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    profile.checkouts = [Checkout(token=data.checkout_token, touchpoint=data.touchpoint, started_at=event.time,
                                  recover_url=data.recover_url)]


def _booking(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    if isinstance(data, TicketBooked):
        booking = Booking(
            event_ref=data.event_ref, order_id=data.order_id, status="booked", at=event.time,
            event_name=data.event_name, event_date=data.event_date,
        )
    elif isinstance(data, TicketCancelled):
        booking = Booking(event_ref=data.event_ref, order_id=data.order_id, status="cancelled", at=event.time)
    else:
        order = data.order_id or f"walk-in:{event.id}"
        booking = Booking(event_ref=data.event_ref, order_id=order, status="attended", at=event.time)
    profile.bookings = [booking]


def _rating(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    bands = ctx.config.routing.scales.get(data.scale)
    rid = data.response_id
    profile.ratings = [
        RatingSummary(
            response_id=rid, scale=data.scale, score=data.score,
            sentiment=bands.sentiment(data.score) if bands else None, touchpoint=data.touchpoint,
            location=data.location, at=event.time, comment=data.comment, source=event.source,
            permalink=data.permalink,
        )
    ]
    times[f"rating.{rid}.score"] = event.time
    if data.comment:
        times[f"rating.{rid}.comment"] = event.time


def _consent(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    record = ConsentRecord(
        status=data.status, source=event.source, at=event.time, explicit=data.explicit, event_id=event.id
    )
    profile.email_consent = fold_consent([record])


def _update(event: CustomerEvent, data: Any, profile: Profile, times: dict[str, datetime], ctx: FoldContext) -> None:
    for name in ("given_name", "family_name", "crm_owner"):
        value = getattr(data, name)
        if value:
            setattr(profile, name, value)
            times[name] = event.time


_FACTS = {
    MembershipPurchased: _membership,
    MembershipRenewed: _membership,
    MembershipCancelled: _membership,
    PurchaseCompleted: _purchase,
    CheckoutStarted: _checkout,
    TicketBooked: _booking,
    TicketCancelled: _booking,
    TicketCheckedIn: _booking,
    SurveyResponded: _rating,
    ConsentChanged: _consent,
    CustomerUpdated: _update,
}


def delta(event: CustomerEvent, ctx: FoldContext) -> Customer:
    """The customer that knows only what `event` says (its customer id is filled in by the caller)."""
    from journeysync.profile.journeys import entries_for_event
    from journeysync.profile.trust import may_be_primary

    times: dict[str, datetime] = {}
    ident = event.identity
    # only an email trusted enough may become the primary: it is where destinations reach the person
    primary = [e for e in ident.emails if may_be_primary(event, e, ctx.config.identity)]
    others = [e for e in ident.emails if e not in primary]
    identity = Identity(emails=primary + others, phones=list(ident.phones), external=dict(ident.external))
    if primary:
        times["identity.primary_email"] = event.time
    for system in ident.external:
        times[f"identity.external.{system}"] = event.time
    profile = Profile()
    facts = _FACTS.get(type(event.data))
    if facts is not None:
        facts(event, event.data, profile, times, ctx)
    division = getattr(event.data, "division", None)
    profile.divisions = [division] if division else []
    for key in entries_for_event(event, ctx.config.journeys):  # journey entry facts (journeys.py)
        times[key] = event.time
    profile.field_times = times
    return Customer(customer_id="?", identity=identity, profile=profile)


# ----------------------------------------------------------------------------- join


def _join_identity(a: Identity, b: Identity, times: dict[str, datetime], ta: dict[str, datetime],
                   tb: dict[str, datetime]) -> Identity:
    primary = _lww(
        times, "identity.primary_email",
        (a.primary_email, _t(ta, "identity.primary_email")), (b.primary_email, _t(tb, "identity.primary_email")),
    )
    emails = sorted(set(a.emails) | set(b.emails))
    if primary in emails:
        emails.remove(primary)
        emails.insert(0, primary)
    external: dict[str, str] = {}
    for system in sorted(set(a.external) | set(b.external)):
        key = f"identity.external.{system}"
        external[system] = _lww(
            times, key, (a.external.get(system), _t(ta, key) if system in a.external else None),
            (b.external.get(system), _t(tb, key) if system in b.external else None),
        )
    return Identity(emails=emails, phones=sorted(set(a.phones) | set(b.phones)), external=external)


def _join_bookings(a: Iterable[Booking], b: Iterable[Booking]) -> list[Booking]:
    out: dict[tuple[str, str], Booking] = {}
    for booking in [*a, *b]:
        key = (booking.event_ref, booking.order_id)
        seen = out.get(key)
        if seen is None:
            out[key] = booking
            continue
        status = max(seen.status, booking.status, key=lambda s: _BOOKING_RANK[s])
        out[key] = Booking(
            event_ref=booking.event_ref, order_id=booking.order_id, status=status, at=min(seen.at, booking.at),
            event_name=max(filter(None, (seen.event_name, booking.event_name)), default=None),
            event_date=max(filter(None, (seen.event_date, booking.event_date)), default=None),
        )
    ordered = sorted(out.values(), key=lambda x: (x.at, x.event_ref, x.order_id), reverse=True)
    return ordered[:BOOKINGS_CAP]


def _join_purchases(a: Iterable[PurchaseSummary], b: Iterable[PurchaseSummary]) -> list[PurchaseSummary]:
    out: dict[str, PurchaseSummary] = {}
    for p in [*a, *b]:
        seen = out.get(p.order_id)
        if seen is None or (p.at, p.model_dump_json()) > (seen.at, seen.model_dump_json()):
            out[p.order_id] = p
    return sorted(out.values(), key=lambda x: (x.at, x.order_id), reverse=True)[:PURCHASES_CAP]


def _join_ratings(a: list[RatingSummary], b: list[RatingSummary], times: dict[str, datetime],
                  ta: dict[str, datetime], tb: dict[str, datetime]) -> list[RatingSummary]:
    by_a = {r.response_id: r for r in a}
    by_b = {r.response_id: r for r in b}
    out: list[RatingSummary] = []
    for rid in sorted(set(by_a) | set(by_b)):
        ra, rb = by_a.get(rid), by_b.get(rid)
        if ra is None or rb is None:
            rating = ra or rb
            assert rating is not None
            for suffix in ("score", "comment"):
                key = f"rating.{rid}.{suffix}"
                src = ta if ra is not None else tb
                if key in src:
                    times[key] = src[key]
            out.append(rating)
            continue
        skey, ckey = f"rating.{rid}.score", f"rating.{rid}.comment"
        scored = _lww(times, skey, (ra, _t(ta, skey) or ra.at), (rb, _t(tb, skey) or rb.at))
        comment = _lww(
            times, ckey, (ra.comment, _t(ta, ckey) if ra.comment else None),
            (rb.comment, _t(tb, ckey) if rb.comment else None),
        )
        out.append(scored.model_copy(update={"comment": comment, "at": max(ra.at, rb.at)}))
    out.sort(key=lambda r: (r.at, r.response_id), reverse=True)
    kept = out[:RATINGS_CAP]
    for dropped in out[RATINGS_CAP:]:
        times.pop(f"rating.{dropped.response_id}.score", None)
        times.pop(f"rating.{dropped.response_id}.comment", None)
    return kept


def _earliest(*times: datetime | None) -> datetime | None:
    return min(filter(None, times), default=None)


def _join_checkouts(a: Iterable[Checkout], b: Iterable[Checkout]) -> list[Checkout]:
    """Union by token; each time is the earliest known, so the start and the order join in either order."""
    out: dict[str, Checkout] = {}
    for c in [*a, *b]:
        seen = out.get(c.token)
        if seen is None:
            out[c.token] = c.model_copy()  # derive sets abandoned_at on these: never on the caller's
            continue
        started = seen if seen.started_at else c
        out[c.token] = Checkout(
            token=c.token, touchpoint=started.touchpoint, recover_url=started.recover_url,
            started_at=_earliest(seen.started_at, c.started_at),
            completed_at=_earliest(seen.completed_at, c.completed_at),
            abandoned_at=_earliest(seen.abandoned_at, c.abandoned_at),
        )
    newest = sorted(out.values(), key=lambda c: c.order_key, reverse=True)
    return newest[:CHECKOUTS_CAP]


def join(a: Customer, b: Customer, ctx: FoldContext) -> Customer:
    """The customer that knows everything `a` and `b` know; `a`'s id and header are kept."""
    pa, pb = a.profile, b.profile
    ta, tb = pa.field_times, pb.field_times
    times: dict[str, datetime] = {}
    # journey entry facts and any other plain time facts: union (max)
    for key in set(ta) | set(tb):
        if key.startswith("j|"):
            times[key] = max(filter(None, (ta.get(key), tb.get(key))))
    identity = _join_identity(a.identity, b.identity, times, ta, tb)
    scalars = {
        name: _lww(times, name, (getattr(pa, name), _t(ta, name)), (getattr(pb, name), _t(tb, name)))
        for name in ("given_name", "family_name", "crm_owner")
    }
    terms = {t.event_id: t for t in [*pa.membership.terms, *pb.membership.terms]}
    ledger = [*pa.email_consent.ledger, *pb.email_consent.ledger]
    profile = Profile(
        **scalars,
        membership=Membership(terms=sorted(terms.values(), key=lambda t: (t.at, t.event_id))),
        email_consent=fold_consent(ledger) if ledger else pa.email_consent.model_copy(),
        divisions=sorted(set(pa.divisions) | set(pb.divisions)),
        bookings=_join_bookings(pa.bookings, pb.bookings),
        purchases=_join_purchases(pa.purchases, pb.purchases),
        ratings=_join_ratings(pa.ratings, pb.ratings, times, ta, tb),
        checkouts=_join_checkouts(pa.checkouts, pb.checkouts),
        field_times=times,
    )
    joined = Customer(
        customer_id=a.customer_id, header=a.header.model_copy(), identity=identity, profile=profile,
        journeys=a.journeys,
    )
    return derive(joined, ctx)


# ----------------------------------------------------------------------------- derived fields


@dataclass(frozen=True)
class TermEnd:
    """Where one membership term left the expiry date, and what came next (for time-driven journey moves)."""

    end: datetime
    renewed_at: datetime | None  # when the next term of the same unbroken membership was bought
    final: bool  # the membership ended here (lapsed or cancelled), unless renewed later


def _voided(ordered: list[MembershipTerm]) -> set[str]:
    voided: set[str] = set()
    for cancel in (t for t in ordered if t.kind == "cancelled" and t.refunded):
        matching = [t for t in ordered if t.kind != "cancelled" and cancel.order_id and t.order_id == cancel.order_id]
        if not matching:
            before = [t for t in ordered if t.kind != "cancelled" and t.at <= cancel.at and t.event_id not in voided]
            matching = before[-1:]
        voided |= {t.event_id for t in matching}
    return voided


def walk_terms(terms: Iterable[MembershipTerm]) -> tuple[Membership, list[TermEnd]]:
    """Fold *all* terms in time order: a renewal extends from the later of the expiry and its purchase time;
    a refunded cancellation voids its order (or the latest term before it); any other cancellation ends the
    membership at once. Returns the membership (status left for `derive_membership`) and every term end."""
    ordered = sorted(terms, key=lambda t: (t.at, t.event_id))
    voided = _voided(ordered)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    tier: str | None = None
    cancelled = False
    ends: list[TermEnd] = []
    for term in ordered:
        if term.kind == "cancelled":
            if not term.refunded and valid_until is not None and valid_until > term.at:
                valid_until, cancelled = term.at, True
                if ends:
                    ends[-1] = TermEnd(term.at, None, True)
            continue
        if term.event_id in voided or not term.term_months:
            continue
        if valid_until is None or term.at > valid_until:
            valid_from, start = term.at, term.at
        else:
            start = valid_until
            if ends:
                ends[-1] = TermEnd(ends[-1].end, term.at, False)
        valid_until = add_months(start, term.term_months)
        tier, cancelled = term.tier, False
        ends.append(TermEnd(valid_until, None, True))
    status: MembershipStatus = "none" if valid_until is None else ("cancelled" if cancelled else "expired")
    membership = Membership(
        tier=tier, status=status, valid_from=valid_from, valid_until=valid_until, terms=ordered
    )
    return membership, ends


def derive_membership(terms: list[MembershipTerm], now: datetime) -> Membership:
    """The membership as of `now`: active (and bookable online) while any unvoided term covers `now`."""
    membership, _ = walk_terms(terms)
    if membership.valid_until is not None and membership.valid_until > now:
        membership.status = "active"
    membership.can_book_online = membership.status == "active"
    return membership


def abandon_due(checkout: Checkout, routing: RoutingConfig) -> datetime | None:
    """When a started checkout with no order will count as abandoned (what the sweep waits for); None if it
    never will or already does."""
    if checkout.started_at is None or checkout.completed_at is not None or checkout.abandoned_at is not None:
        return None
    return checkout.started_at + routing.abandon_after(checkout.touchpoint)


def derive(customer: Customer, ctx: FoldContext) -> Customer:
    """Recompute every derived field from the stored facts (also what the time-driven sweep calls)."""
    from journeysync.profile.journeys import positions

    p = customer.profile
    p.membership = derive_membership(p.membership.terms, ctx.now)
    attended = [b for b in p.bookings if b.status == "attended"]
    p.visits = len(attended)
    p.last_visit_at = max((b.at for b in attended), default=None)
    p.last_survey = p.ratings[0] if p.ratings else None
    detractors = sum(1 for r in p.ratings if r.sentiment == "detractor")
    latest = p.last_survey.sentiment if p.last_survey else None
    p.at_risk = detractors >= ctx.config.routing.at_risk_after_detractors and latest != "promoter"
    p.vip = latest == "promoter" or (any(r.sentiment == "promoter" for r in p.ratings) and not p.at_risk)
    for checkout in p.checkouts:
        if checkout.started_at is None:
            continue
        due = checkout.started_at + ctx.config.routing.abandon_after(checkout.touchpoint)
        if checkout.completed_at is not None and checkout.completed_at <= due:
            checkout.abandoned_at = None  # the order came in time: it never was abandoned, whatever arrived first
        elif due <= ctx.now:
            checkout.abandoned_at = due  # (kept if the order comes later: a recovered checkout)
    p.abandoned_checkout = any(c.abandoned for c in p.checkouts)
    customer.journeys = positions(customer, ctx)
    return customer


def apply_event(customer: Customer, event: CustomerEvent, ctx: FoldContext) -> Customer:
    """`customer` with `event` folded in (a new object; `customer` is not changed)."""
    return join(customer, delta(event, ctx), ctx)


def new_customer(customer_id: str, ctx: FoldContext) -> Customer:
    return derive(Customer(customer_id=customer_id), ctx)


def same_state(a: Customer, b: Customer) -> bool:
    """Whether two customers hold the same data (the header — version, timestamps — aside)."""
    return a.model_dump(exclude={"header"}) == b.model_dump(exclude={"header"})


def earliest(customers: Iterable[Customer]) -> Customer:
    """The merge survivor: the earliest created (ties: the smaller id)."""
    return min(customers, key=lambda c: (c.header.created_at, c.customer_id))
