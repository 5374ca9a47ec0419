"""The profile fold: convergent whatever the order or duplication of events; membership, ratings, journeys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeysync.config.loader import AppConfig, load_config
from journeysync.models import (
    CheckoutStarted,
    ConsentChanged,
    Customer,
    CustomerEvent,
    CustomerUpdated,
    IdentityKeys,
    MembershipCancelled,
    MembershipPurchased,
    MembershipRenewed,
    Money,
    PurchaseCompleted,
    SurveyResponded,
    TicketBooked,
    TicketCancelled,
    TicketCheckedIn,
)
from journeysync.profile.fold import FoldContext, add_months, apply_event, join, new_customer, same_state

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
ANN = IdentityKeys(emails=["ann@example.com"])


@pytest.fixture(scope="module")
def config() -> AppConfig:
    return load_config("infra/config")


def _ev(n: int | str, data: Any, minutes: float = 0, identity: IdentityKeys = ANN, source: str = "square") -> CustomerEvent:
    return CustomerEvent.create(
        source=source, vendor_event_id=str(n), time=T0 + timedelta(minutes=minutes), identity=identity, data=data
    )


def _fold(events: list[CustomerEvent], ctx: FoldContext) -> Customer:
    customer = new_customer("c-1", ctx)
    for event in events:
        customer = apply_event(customer, event, ctx)
    return customer


def _state(customer: Customer) -> dict[str, Any]:
    return customer.model_dump(exclude={"header"})


# ------------------------------------------------------------------ property: convergence

_DATA = st.one_of(
    st.builds(lambda t, m: MembershipPurchased(tier=t, term_months=m, order_id=f"o-{t}"),
              st.sampled_from(["individual", "joint"]), st.sampled_from([1, 12])),
    st.builds(lambda m: MembershipRenewed(tier="individual", term_months=m), st.sampled_from([1, 12])),
    st.builds(lambda r, o: MembershipCancelled(refunded=r, order_id=o), st.booleans(),
              st.sampled_from([None, "o-individual"])),
    st.builds(lambda o: TicketBooked(order_id=o, event_ref="exh-dino", event_name="Dinosaurs"),
              st.sampled_from(["t1", "t2"])),
    st.builds(lambda o: TicketCancelled(order_id=o, event_ref="exh-dino"), st.sampled_from(["t1", "t2"])),
    st.builds(lambda o: TicketCheckedIn(order_id=o, event_ref="exh-dino"), st.sampled_from(["t1", None])),
    st.builds(lambda r, s, c: SurveyResponded(response_id=r, scale="nps", score=s, comment=c),
              st.sampled_from(["r1", "r2"]), st.integers(0, 10), st.sampled_from([None, "great", "slow queue"])),
    st.builds(lambda s, e: ConsentChanged(status=s, explicit=e),
              st.sampled_from(["subscribed", "unsubscribed", "complained"]), st.booleans()),
    st.builds(lambda g, f: CustomerUpdated(given_name=g, family_name=f, division="cinema"),
              st.sampled_from(["Ann", "Anne", None]), st.sampled_from(["Lee", "Li", None])),
    st.builds(lambda a, k: PurchaseCompleted(order_id=f"p{a}", total=Money(amount=a, currency="GBP"), category="retail",
                                             checkout_token=k),
              st.integers(1, 3), st.sampled_from([None, "k1", "k2"])),
    st.builds(lambda k: CheckoutStarted(checkout_token=k), st.sampled_from(["k1", "k2"])),
)
_EMAILS = st.sampled_from([("ann@example.com",), ("ann@example.com", "a.lee@example.org"), ()])


@st.composite
def event_sets(draw: st.DrawFn) -> list[CustomerEvent]:
    count = draw(st.integers(1, 10))
    events = []
    for n in range(count):
        minutes = draw(st.sampled_from([0, 5, 5, 60, 60 * 24 * 40, 60 * 24 * 400]))  # ties on purpose
        emails = draw(_EMAILS)
        identity = IdentityKeys(emails=emails) if emails else ANN
        events.append(_ev(n, draw(_DATA), minutes, identity))
    return events


@settings(max_examples=150, deadline=None)
@given(events=event_sets(), data=st.data())
def test_every_permutation_with_duplicates_yields_the_identical_profile(
    events: list[CustomerEvent], data: st.DataObject, config: AppConfig
) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=200))
    replayed = events + data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    shuffled = data.draw(st.permutations(replayed))
    assert _state(_fold(shuffled, ctx)) == _state(_fold(events, ctx))


@settings(max_examples=60, deadline=None)
@given(left=event_sets(), right=event_sets())
def test_merging_two_customers_is_the_same_as_folding_all_their_events(
    left: list[CustomerEvent], right: list[CustomerEvent], config: AppConfig
) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=200))
    right = [e.model_copy(update={"id": f"r-{e.id}"}) for e in right]
    merged_ab = join(_fold(left, ctx), _fold(right, ctx), ctx)
    merged_ba = join(_fold(right, ctx), _fold(left, ctx), ctx)
    assert _state(merged_ab) == _state(merged_ba) == _state(_fold(left + right, ctx))


# ------------------------------------------------------------------ membership


def test_a_paid_membership_can_book_online_at_once(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(minutes=1))
    c = _fold([_ev(1, MembershipPurchased(tier="individual", term_months=12, channel="pos"))], ctx)
    assert c.profile.membership.can_book_online is True
    assert c.profile.membership.status == "active"
    assert c.profile.membership.valid_until == add_months(T0, 12)
    assert c.journeys["membership"].stage == "joined"
    assert c.journeys["membership"].owner == "organization"
    assert c.journeys["membership"].sla_due_at == T0 + timedelta(hours=48)


def test_early_renewal_extends_from_the_current_expiry_not_from_the_purchase(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=1))
    c = _fold(
        [
            _ev(2, MembershipRenewed(tier="individual", term_months=12), minutes=60 * 24 * 300),
            _ev(1, MembershipPurchased(tier="individual", term_months=12)),
        ],
        ctx,
    )
    assert c.profile.membership.valid_until == add_months(T0, 24)


def test_late_renewal_starts_a_new_term_from_the_purchase_time(config: AppConfig) -> None:
    late = T0 + timedelta(days=500)
    ctx = FoldContext(config, now=late + timedelta(days=1))
    c = _fold(
        [_ev(1, MembershipPurchased(tier="individual", term_months=12)),
         _ev(2, MembershipRenewed(tier="joint", term_months=12), minutes=60 * 24 * 500)],
        ctx,
    )
    m = c.profile.membership
    assert (m.valid_from, m.valid_until, m.tier) == (late, add_months(late, 12), "joint")


def test_a_refund_voids_its_order_and_a_cancellation_ends_the_membership(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=10))
    bought = _ev(1, MembershipPurchased(tier="individual", term_months=12, order_id="o-1"))
    refunded = _fold([bought, _ev(2, MembershipCancelled(order_id="o-1", refunded=True), minutes=60)], ctx)
    assert refunded.profile.membership.status == "none"
    assert refunded.profile.membership.can_book_online is False
    cancelled = _fold([bought, _ev(3, MembershipCancelled(), minutes=60)], ctx)
    assert cancelled.profile.membership.status == "cancelled"
    assert cancelled.profile.membership.valid_until == T0 + timedelta(minutes=60)


def test_a_membership_expires_and_the_member_lapses_with_time(config: AppConfig) -> None:
    bought = [_ev(1, MembershipPurchased(tier="individual", term_months=12))]
    due = _fold(bought, FoldContext(config, now=add_months(T0, 12) - timedelta(days=10)))
    assert due.journeys["membership"].stage == "renewal_due"
    lapsed = _fold(bought, FoldContext(config, now=add_months(T0, 12) + timedelta(days=1)))
    assert lapsed.profile.membership.status == "expired"
    assert lapsed.journeys["membership"].stage == "lapsed"
    assert lapsed.journeys["membership"].completed is True
    assert [v.stage for v in lapsed.journeys["membership"].history] == ["joined", "renewal_due", "lapsed"]


def test_renewing_before_the_due_date_skips_renewal_due(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=200))
    c = _fold([_ev(1, MembershipPurchased(tier="individual", term_months=12)),
               _ev(2, MembershipRenewed(tier="individual", term_months=12), minutes=60 * 24 * 100)], ctx)
    assert c.journeys["membership"].stage == "renewed"


def test_booking_moves_a_member_forward_never_back(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=3))
    c = _fold([
        _ev(1, MembershipPurchased(tier="individual", term_months=12)),
        _ev(2, TicketBooked(order_id="t1", event_ref="x"), minutes=10),
        _ev(3, PurchaseCompleted(order_id="p1", total=Money(amount=500, currency="GBP")), minutes=20),
        _ev(4, TicketBooked(order_id="t2", event_ref="y"), minutes=30),
    ], ctx)
    assert c.journeys["membership"].stage == "engaged"


def test_a_non_member_who_books_is_in_no_membership_journey(config: AppConfig) -> None:
    c = _fold([_ev(1, TicketBooked(order_id="t1", event_ref="x"))], FoldContext(config, now=T0))
    assert "membership" not in c.journeys
    assert c.profile.bookings[0].status == "booked"


# ------------------------------------------------------------------ ratings, consent, identity


def test_a_survey_score_then_its_comment_update_one_rating(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0)
    c = _fold([
        _ev("s", SurveyResponded(response_id="r1", scale="nps", score=10), source="delighted"),
        _ev("c", SurveyResponded(response_id="r1", scale="nps", score=10, comment="Loved it"), 2, source="delighted"),
    ], ctx)
    assert len(c.profile.ratings) == 1
    assert (c.profile.ratings[0].score, c.profile.ratings[0].comment) == (10, "Loved it")
    assert c.profile.vip is True


def test_repeated_detractors_mark_the_customer_at_risk(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0)
    one = _fold([_ev(1, SurveyResponded(response_id="r1", scale="nps", score=2))], ctx)
    assert not one.profile.at_risk
    two = apply_event(one, _ev(2, SurveyResponded(response_id="r2", scale="csat", score=1), 5), ctx)
    assert two.profile.at_risk and not two.profile.vip


def test_an_unsubscribe_is_never_undone_by_an_older_or_implicit_opt_in(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0)
    c = _fold([
        _ev(1, ConsentChanged(status="unsubscribed"), 10),
        _ev(2, ConsentChanged(status="subscribed", explicit=True), 5),
        _ev(3, ConsentChanged(status="subscribed", explicit=False), 20),
    ], ctx)
    assert c.profile.email_consent.status == "unsubscribed"


def test_the_newest_email_is_primary_and_every_email_is_kept(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0)
    c = _fold([
        _ev(1, CustomerUpdated(given_name="Ann"), 10, IdentityKeys(emails=["new@example.com"])),
        _ev(2, CustomerUpdated(family_name="Lee"), 0, IdentityKeys(emails=["old@example.com"])),
    ], ctx)
    assert c.identity.emails == ["new@example.com", "old@example.com"]
    assert (c.profile.given_name, c.profile.family_name) == ("Ann", "Lee")


def test_reapplying_an_event_changes_nothing(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0)
    event = _ev(1, MembershipPurchased(tier="individual", term_months=12))
    once = _fold([event], ctx)
    assert same_state(once, apply_event(once, event, ctx))


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)


# ------------------------------------------------------------------ checkouts


def _checkout_at(config: AppConfig, events: list[CustomerEvent], hours: float) -> Any:
    [checkout] = _fold(events, FoldContext(config, now=T0 + timedelta(hours=hours))).profile.checkouts
    return checkout


def test_a_checkout_with_no_order_is_abandoned_once_its_time_passed_and_an_order_recovers_it(config: AppConfig) -> None:
    started = _ev("s", CheckoutStarted(checkout_token="k1", touchpoint="online-shop"))
    assert _checkout_at(config, [started], 1.9).abandoned_at is None
    late = _checkout_at(config, [started], 2.1)
    after = config.routing.abandon_after("online-shop")
    assert late.abandoned and late.abandoned_at == T0 + after
    order = _ev("o", PurchaseCompleted(order_id="o1", total=Money(amount=100, currency="GBP"), checkout_token="k1"),
                minutes=60 * 5)
    recovered = _checkout_at(config, [started, order], 6)
    assert not recovered.abandoned and recovered.abandoned_at == T0 + after and recovered.completed_at


@pytest.mark.parametrize("order_minutes", [-30, 0, 30])  # before the checkout webhook, with it, after it
def test_an_order_in_time_means_never_abandoned_whatever_arrived_first(config: AppConfig, order_minutes: int) -> None:
    started = _ev("s", CheckoutStarted(checkout_token="k1"))
    order = _ev("o", PurchaseCompleted(order_id="o1", total=Money(amount=100, currency="GBP"), checkout_token="k1"),
                minutes=order_minutes)
    for events in ([started, order], [order, started], [order, started, order, started]):
        customer = _fold(events, FoldContext(config, now=T0 + timedelta(days=3)))
        assert customer.profile.abandoned_checkout is False
        assert customer.profile.checkouts[0].abandoned_at is None


def test_an_order_for_an_unknown_checkout_is_never_abandoned(config: AppConfig) -> None:
    order = _ev("o", PurchaseCompleted(order_id="o1", total=Money(amount=100, currency="GBP"), checkout_token="kx"))
    customer = _fold([order], FoldContext(config, now=T0 + timedelta(days=3)))
    assert customer.profile.abandoned_checkout is False and customer.profile.checkouts[0].started_at is None
