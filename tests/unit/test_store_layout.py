"""The customer partition layout: the fold through hot item + fact items converges, and no item outgrows its budget."""

from __future__ import annotations

import json
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
    MembershipRenewed,
    Money,
    PurchaseCompleted,
    SurveyResponded,
    TicketBooked,
    TicketCheckedIn,
)
from journeysync.models.events import LineItem
from journeysync.profile.fold import FoldContext, apply_event, join, new_customer, same_state
from journeysync.store import layout
from journeysync.store.timeline import timeline_item
from tests.unit.test_profile_fold import T0, _ev, _fold, event_sets


@pytest.fixture(scope="module")
def config() -> AppConfig:
    return load_config("infra/config")


class Partition:
    """One customer's partition as the store lays it out (items by sort key), folded batch by batch."""

    def __init__(self, customer_id: str = "c-1") -> None:
        self.customer_id = customer_id
        self.items: dict[str, dict[str, Any]] = {}
        self.writes: list[dict[str, Any]] = []

    def load(self) -> Customer | None:
        p = self.items.get("P")
        window = layout.window_of(p) if p else None
        timeline = [i for sk, i in sorted(self.items.items()) if window and sk.startswith("T#") and sk >= window]
        facts = [i for sk, i in self.items.items() if not sk.startswith("T#")]
        return layout.customer_from_items(self.customer_id, facts, timeline)

    def apply(self, events: list[CustomerEvent], ctx: FoldContext) -> None:
        current = self.load()
        base = current or new_customer(self.customer_id, ctx)
        after = base
        for event in events:
            after = apply_event(after, event, ctx)
        if current is not None and same_state(current, after):
            return
        after.header.version = base.header.version + 1
        self.write(after, events)

    def write(self, customer: Customer, events: list[CustomerEvent]) -> None:
        before = {sk: i for sk, i in self.items.items() if not sk.startswith("T#")}
        new = layout.customer_items(customer)
        puts, deletes, _ = layout.changes(before, new)
        by_event = layout.entries_by_event(customer)
        for event in events:
            puts.append(timeline_item(self.customer_id, event, [], by_event.get(event.id, (None, []))[1]))
        puts.append(new["P"])
        for key in deletes:
            self.writes.append(self.items.pop(key["sk"]["S"]))  # a delete is billed by the item's size too
        for item in puts:
            self.items[item["sk"]["S"]] = item
        self.writes += puts


def _state(customer: Customer | None) -> dict[str, Any]:
    assert customer is not None
    return customer.model_dump(exclude={"header"})


def _facts(partition: Partition) -> dict[str, Any]:
    return {sk: i for sk, i in partition.items.items() if sk.startswith(("F#", "E#"))}


# ------------------------------------------------------------------ round trip and convergence


@settings(max_examples=120, deadline=None)
@given(events=event_sets())
def test_the_items_hold_exactly_the_folded_customer(events: list[CustomerEvent], config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=200))
    customer = _fold(events, ctx)
    partition = Partition()
    partition.write(customer, events)
    assert partition.load() == customer


@settings(max_examples=120, deadline=None)
@given(events=event_sets(), data=st.data())
def test_any_order_duplicates_and_batching_through_the_layout_give_one_partition(
    events: list[CustomerEvent], data: st.DataObject, config: AppConfig
) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=200))
    replayed = events + data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    shuffled = data.draw(st.permutations(replayed))
    partition = Partition()
    while shuffled:
        size = data.draw(st.integers(1, 4))
        batch, shuffled = shuffled[:size], shuffled[size:]
        partition.apply(batch, ctx)
    expected = Partition()
    expected.apply(events, ctx)
    assert _state(partition.load()) == _state(expected.load()) == _state(_fold(events, ctx))
    assert _facts(partition) == _facts(expected)


@settings(max_examples=50, deadline=None)
@given(left=event_sets(), right=event_sets())
def test_merging_two_stored_customers_is_folding_all_their_events(
    left: list[CustomerEvent], right: list[CustomerEvent], config: AppConfig
) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=200))
    right = [e.model_copy(update={"id": f"r-{e.id}"}) for e in right]
    a, b = Partition("a"), Partition("b")
    a.apply(left, ctx)
    b.apply(right, ctx)
    survivor, loser = a.load(), b.load()
    assert survivor is not None and loser is not None
    merged = join(survivor, loser, ctx)
    for sk, item in b.items.items():  # the loser's timeline moves to the survivor (ProfileStore.move_timeline)
        if sk.startswith("T#"):
            a.items[sk] = {**item, "pk": {"S": "C#a"}}
    a.write(merged, [])
    everything = Partition("a")
    everything.apply(left + right, ctx)
    assert _state(a.load()) == _state(everything.load())


def test_a_replayed_batch_writes_nothing(config: AppConfig) -> None:
    ctx = FoldContext(config, now=T0 + timedelta(days=10))
    events = [_ev(1, TicketBooked(order_id="t1", event_ref="x")), _ev(2, TicketCheckedIn(order_id="t1", event_ref="x"))]
    partition = Partition()
    partition.apply(events, ctx)
    written = len(partition.writes)
    partition.apply(list(reversed(events)), ctx)
    assert len(partition.writes) == written


# ------------------------------------------------------------------ size rule and budgets


def test_item_size_follows_dynamodbs_rule_names_plus_values() -> None:
    assert layout.item_size({"pk": {"S": "abc"}}) == 2 + 3
    assert layout.item_size({"n": {"N": "12345"}}) == 1 + 4  # 5 significant digits: 3 bytes + 1
    assert layout.item_size({"b": {"BOOL": True}, "é": {"S": "é"}}) == 1 + 1 + 2 + 2
    assert layout.item_size({"s": {"SS": ["ab", "c"]}}) == 1 + 3
    assert layout.write_units({"d": {"S": "x" * 1024}}) == 2


def _heavy_member_years(years: int) -> list[list[CustomerEvent]]:
    """Monthly batches of an engaged member: 3 booked visits, an online shop purchase through a checkout
    and a checkout left without an order, a rating with a long comment; a yearly renewal, an email change
    and a consent change every year."""
    start = datetime(2020, 1, 6, 10, tzinfo=UTC)
    ident = IdentityKeys(emails=["heavy.member@example.com"], phones=["+447911123456"], external={"square": "SQ1"})
    months: list[list[CustomerEvent]] = []
    n = 0

    def ev(data: Any, at: datetime) -> CustomerEvent:
        nonlocal n
        n += 1
        return CustomerEvent.create(source="square", vendor_event_id=f"h{n}", time=at, identity=ident, data=data)

    for month in range(12 * years):
        at = start + timedelta(days=30 * month)
        batch = []
        for visit in range(3):
            ref, order = f"exhibition-{month}-{visit}-long-reference-name", f"order-{month}-{visit}"
            batch.append(ev(TicketBooked(order_id=order, event_ref=ref, event_name="A " * 40), at + timedelta(days=visit)))
            batch.append(ev(TicketCheckedIn(order_id=order, event_ref=ref), at + timedelta(days=visit, hours=2)))
        for token, hours in ((f"checkout-{month}-bought-a-long-token-value", 1), (f"checkout-{month}-left", 0)):
            batch.append(ev(CheckoutStarted(checkout_token=token, lines=3, total=Money(amount=4599, currency="GBP")),
                            at + timedelta(days=4, hours=hours)))
        batch.append(ev(PurchaseCompleted(order_id=f"shop-{month}", total=Money(amount=4599, currency="GBP"),
                                          items=(LineItem(title="A very long gift shop product title " * 3),),
                                          category="retail", checkout_token=f"checkout-{month}-bought-a-long-token-value"),
                        at + timedelta(days=4, hours=2)))
        batch.append(ev(SurveyResponded(response_id=f"resp-{month}", scale="nps", score=month % 11,
                                        comment="x" * 500), at + timedelta(days=5)))
        if month % 12 == 0:
            batch.append(ev(MembershipRenewed(tier="family-plus", term_months=12, order_id=f"renew-{month}"), at))
            batch.append(ev(CustomerUpdated(given_name="Maximiliana", family_name="Featherstonehaugh-Smythe",
                                            crm_owner="owner-12345"), at + timedelta(days=6)))
            batch.append(ev(ConsentChanged(status="subscribed" if month % 24 else "unsubscribed"),
                            at + timedelta(days=7)))
        months.append(batch)
    return months


def test_ten_years_of_a_heavy_member_keep_every_item_within_its_budget(config: AppConfig) -> None:
    months = _heavy_member_years(10)
    partition = Partition()
    largest: dict[str, int] = {}
    for batch in months:
        ctx = FoldContext(config, now=batch[-1].time + timedelta(days=1))
        partition.apply(batch, ctx)
        for sk, item in partition.items.items():
            kind = layout.kind_of(sk)
            largest[kind] = max(largest.get(kind, 0), layout.item_size(item))
    over = {k: (size, layout.ITEM_BUDGET[k]) for k, size in largest.items() if size > layout.ITEM_BUDGET[k]}
    assert not over, f"items over budget (size, budget): {over}"
    assert largest["P"] <= 1024  # one write unit for every profile write, in year ten as on day one
    assert set(largest) >= {"P", "E#B", "E#O", "E#K", "E#R", "F#M", "F#C", "F#H", "T"}


def test_the_write_cost_of_a_months_batch_stops_growing_with_history(config: AppConfig) -> None:
    """Writes per month do not grow: a fact the fold's caps drop is left in place (readers stop at the cap),
    so year ten costs what year one did."""
    months = _heavy_member_years(10)
    partition = Partition()
    units: list[int] = []
    for batch in months:
        ctx = FoldContext(config, now=batch[-1].time + timedelta(days=1))
        before = len(partition.writes)
        partition.apply(batch, ctx)
        units.append(sum(layout.write_units(i) for i in partition.writes[before:]))
    first_year, fifth_year, tenth_year = (sum(units[y * 12 + 1 : y * 12 + 12]) / 11 for y in (0, 4, 9))
    assert tenth_year <= fifth_year * 1.05
    assert tenth_year <= first_year * 1.2


def test_a_shoppers_checkouts_are_facts_so_the_hot_item_stays_one_write_unit(config: AppConfig) -> None:
    """Twenty checkouts (the fold's cap), each with the longest recover URL an event accepts, leave `P` as
    small as it was without them, and every checkout item within its budget; the store reads them back."""
    ident = IdentityKeys(emails=["shopper@example.com"])
    ctx = FoldContext(config, now=T0 + timedelta(days=60))
    customer = new_customer("c-shop", ctx)
    bare = layout.item_size(layout.customer_items(customer)["P"])
    for n in range(25):
        data = CheckoutStarted(checkout_token=f"tok-{n}", recover_url="https://shop.example/" + "r" * 2000)
        event = CustomerEvent.create(source="shopify", vendor_event_id=f"k{n}", time=T0 + timedelta(hours=n),
                                     identity=ident, data=data)
        customer = apply_event(customer, event, ctx)
    items = layout.customer_items(customer)
    checkouts = [sk for sk in items if sk.startswith("E#K#")]
    assert len(checkouts) == len(customer.profile.checkouts) == 20
    assert layout.item_size(items["P"]) <= bare + 200 < 1024  # the abandoned flag and a few field times, no list
    layout.check_budget(customer)
    back = layout.customer_from_items("c-shop", items.values())
    assert back is not None and back.profile.checkouts == customer.profile.checkouts
    assert back.profile.abandoned_checkout == customer.profile.abandoned_checkout is True


def test_checkouts_a_hot_item_still_holds_read_back_and_move_to_facts_on_the_next_write(config: AppConfig) -> None:
    ident = IdentityKeys(emails=["shopper@example.com"])
    ctx = FoldContext(config, now=T0 + timedelta(days=1))
    event = CustomerEvent.create(source="shopify", vendor_event_id="k1", time=T0, identity=ident,
                                 data=CheckoutStarted(checkout_token="tok-1"))
    customer = apply_event(new_customer("c-old", ctx), event, ctx)
    items = layout.customer_items(customer)
    # the hot item as the previous layout wrote it: the checkouts inside `P`, no E#K item
    p = items["P"]
    hot = json.loads(p["h"]["S"])
    hot["~p"]["checkouts"] = [c.model_dump(mode="json", exclude_defaults=True) for c in customer.profile.checkouts]
    legacy = {"P": {**p, "h": {"S": json.dumps(hot)}}}
    back = layout.customer_from_items("c-old", legacy.values())
    assert back is not None and back.profile.checkouts == customer.profile.checkouts
    puts, _, _ = layout.changes(legacy, layout.customer_items(back))
    assert [i["sk"]["S"][:4] for i in puts] == ["E#K#"]


def test_a_hot_item_with_overflow_lists_the_listed_kinds_that_hold_facts() -> None:
    """Readers of a member with facts left beyond a cap Query kind by kind: `lk` spares them the empty kinds."""
    customer = Customer(customer_id="c-lk")
    customer.profile.purchases = [_purchase(n) for n in reversed(range(3))]  # newest first, as folded
    p = layout.customer_items(customer, overflow={"O"})["P"]
    assert layout.listed_kinds_of(p) == {"O"}
    assert layout.listed_kinds_of(layout.customer_items(customer)["P"]) is None  # no overflow: one Query reads all
    back = layout.customer_from_items("c-lk", layout.customer_items(customer, overflow={"O"}).values())
    assert back is not None and back.profile.purchases == customer.profile.purchases


def _purchase(n: int) -> Any:
    from journeysync.models.customer import PurchaseSummary

    return PurchaseSummary(order_id=f"o{n}", at=T0 + timedelta(days=n), amount=100 * n, currency="GBP")
