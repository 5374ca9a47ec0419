"""The profile store's cost per event on day one and in year three (members aged with three years of history).

The same day of events (bookings, check-ins, shop purchases, ratings with comments) goes through the
pos_to_crm batch logic (`process_events`, SQS FIFO records in batches of 10) against the moto server
twice: once for brand-new members, once for members whose partitions already hold three years of an
engaged member's history (3 visits, a purchase and a rated comment a month, a yearly renewal). Every
DynamoDB call is metered by `bench.capacity` (DynamoDB's item-size rule); the difference between the
two runs is what history costs. `BENCH_CHEAP=1` uses fewer members.

After each day the journey sweep runs once at an hour when nobody's time has come (most of its runs),
metered twice: reading the due index (what it does) and scanning every profile (`full`, what it did
before profiles kept a due time), so the table shows what an hourly sweep costs per member and how
that grows with history.
"""

from __future__ import annotations

import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.capacity import Capacity, metering
from bench.prices import USD_PER_MILLION_REQUESTS
from journeysync.config.loader import load_config
from journeysync.models import (
    ConsentChanged,
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

MEMBERS = 8 if os.environ.get("BENCH_CHEAP") else 30
DAY_EVENTS_PER_MEMBER = 6
RESULTS: dict[str, Any] = {}


def _identity(m: int, run: str) -> IdentityKeys:
    return IdentityKeys(emails=[f"{run}-member{m}@example.com"])


def _history(m: int, run: str, months: int, end: datetime) -> list[CustomerEvent]:
    start = end - timedelta(days=30 * months)
    ident = _identity(m, run)
    out: list[CustomerEvent] = []
    for month in range(months):
        at = start + timedelta(days=30 * month)
        datas: list[tuple[Any, timedelta]] = []
        for v in range(3):
            ref, order = f"exhibition-{month % 7}", f"h{m}-{month}-{v}"
            datas += [(TicketBooked(order_id=order, event_ref=ref, event_name="Exhibition"), timedelta(days=v)),
                      (TicketCheckedIn(order_id=order, event_ref=ref), timedelta(days=v, hours=2))]
        datas.append((PurchaseCompleted(order_id=f"hs{m}-{month}", total=Money(amount=1850, currency="GBP"),
                                        category="retail"), timedelta(days=4)))
        datas.append((SurveyResponded(response_id=f"hr{m}-{month}", scale="nps", score=(m + month) % 11,
                                      comment="The exhibition was wonderful but the queue was long " * 2),
                      timedelta(days=5)))
        if month % 12 == 0:
            datas.append((MembershipRenewed(tier="individual", term_months=12, order_id=f"hm{m}-{month}"),
                          timedelta(0)))
            datas.append((ConsentChanged(status="subscribed"), timedelta(days=6)))
            datas.append((CustomerUpdated(given_name="Member", family_name=f"Number{m}"), timedelta(days=7)))
        for i, (data, offset) in enumerate(datas):
            out.append(CustomerEvent.create(source="square", vendor_event_id=f"{run}-h{m}-{month}-{i}",
                                            time=at + offset, identity=ident, data=data))
    return out


def _day(run: str, now: datetime) -> list[CustomerEvent]:
    rng = random.Random(11)
    out: list[CustomerEvent] = []
    t0 = now - timedelta(hours=12)
    for n in range(MEMBERS * DAY_EVENTS_PER_MEMBER):
        m = n % MEMBERS
        kind = rng.random()
        if kind < 0.35:
            data: Any = TicketBooked(order_id=f"d{m}-{n}", event_ref="exhibition-today")
        elif kind < 0.7:
            data = TicketCheckedIn(order_id=f"d{m}-{n - MEMBERS}", event_ref="exhibition-today")
        elif kind < 0.85:
            data = PurchaseCompleted(order_id=f"ds{m}-{n}", total=Money(amount=1200, currency="GBP"), category="retail")
        else:
            data = SurveyResponded(response_id=f"dr{m}-{n}", scale="nps", score=rng.randrange(11), comment="fine")
        out.append(CustomerEvent.create(source="square", vendor_event_id=f"{run}-d{n}",
                                        time=t0 + timedelta(seconds=30 * n), identity=_identity(m, run), data=data))
    return out


def _record(event: CustomerEvent) -> dict[str, Any]:
    return {"messageId": uuid.uuid4().hex, "receiptHandle": "r", "body": event.model_dump_json(),
            "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": event.group_key(), "SentTimestamp": "0",
                           "SenderId": "x", "ApproximateFirstReceiveTimestamp": "0", "SequenceNumber": "1",
                           "MessageDeduplicationId": event.id},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:events.fifo", "awsRegion": "eu-west-2"}


class _Publisher:
    def __init__(self) -> None:
        self.entries = 0

    def publish(self, changes: Any) -> int:
        self.entries += len(changes)
        return len(changes)


def _run_day(table: str, run: str, aged_months: int) -> tuple[Capacity, int, int, Capacity, Capacity]:
    """(the day's capacity, events, ProfileChanged entries, one sweep by the due index, one full sweep)."""
    from dataclasses import replace

    from journeysync.profile.due import next_due
    from journeysync.profile.process import Deps, process_events, sweep
    from journeysync.store.profiles import ProfileStore

    config = load_config()
    now = datetime.now(UTC)
    store = ProfileStore(table, next_due=lambda c, at: next_due(c, config, at))
    publisher = _Publisher()
    deps = Deps(store=store, config=config, publisher=publisher)  # type: ignore[arg-type]
    if aged_months:
        for m in range(MEMBERS):  # age the members through the same hop, unmetered
            history = _history(m, run, aged_months, now - timedelta(days=1))
            for start in range(0, len(history), 10):
                process_events({"Records": [_record(e) for e in history[start : start + 10]]}, None, deps)
    events = _day(run, now)
    publisher.entries = 0
    with metering() as cap:
        for start in range(0, len(events), 10):
            process_events({"Records": [_record(e) for e in events[start : start + 10]]}, None, deps)
    entries = publisher.entries
    quiet_hour = replace(deps, now=lambda: now + timedelta(hours=2))
    with metering() as by_index:
        sweep(quiet_hour)
    with metering() as by_scan:
        sweep(quiet_hour, full=True)
    return cap, len(events), entries, by_index, by_scan


def run() -> list[tuple[str, float, str]]:
    from journeysync_local.moto_server import point_boto3_at, start_moto

    from journeysync.aws import reset_clients

    moto = start_moto()
    point_boto3_at(moto.url)
    reset_clients()
    try:
        import boto3
        from journeysync_local.template import create_table_request, load_template, resources_of_type

        table = f"bench-store-{uuid.uuid4().hex[:6]}"  # the template's table: its keys and both indexes
        spec = resources_of_type(load_template(), "AWS::DynamoDB::Table")["Table"]["Properties"]
        boto3.client("dynamodb").create_table(**create_table_request(table, spec))
        day_one, events, published, index1, scan1 = _run_day(table, "new", 0)
        aged_table = f"bench-store-{uuid.uuid4().hex[:6]}"  # its own table: the sweep reads only the aged members
        boto3.client("dynamodb").create_table(**create_table_request(aged_table, spec))
        year3, events3, published3, index3, scan3 = _run_day(aged_table, "aged", 36)
    finally:
        moto.stop()
    RESULTS.update({
        "store_wru_per_event": day_one.wru / events,
        "store_wru_per_event_year3": year3.wru / events3,
        "store_rru_per_event": day_one.rru / events,
        "store_rru_per_event_year3": year3.rru / events3,
        "store_requests_per_event": sum(day_one.requests.values()) / events,
        "store_requests_per_event_year3": sum(year3.requests.values()) / events3,
    })
    rows: list[tuple[str, float, str]] = [("members", float(MEMBERS), "members"), ("events per run", events, "events")]
    for label, cap, n, pub in (("day one", day_one, events, published), ("year three", year3, events3, published3)):
        rows += [
            (f"{label}: DynamoDB write units per event", cap.wru / n, "WRU"),
            (f"{label}: DynamoDB read units per event", cap.rru / n, "RRU"),
            (f"{label}: failed conditional write units per event", cap.failed_conditional_wru / n, "WRU"),
            (f"{label}: DynamoDB requests per event", sum(cap.requests.values()) / n, "requests"),
            (f"{label}: largest item written", float(max(cap.item_sizes, default=0) + 64), "bytes (64 B buckets)"),
            (f"{label}: ProfileChanged per event", pub / n, "entries"),
        ]
    usd_per_rru = USD_PER_MILLION_REQUESTS["dynamodb-rru"] / 1e6
    runs_a_month = 24 * 30
    for label, by_index, by_scan in (("day one", index1, scan1), ("year three", index3, scan3)):
        rows += [
            # the index's Query per shard reads nothing when nobody is due: a cost per run, not per member
            (f"{label}: quiet-hour sweep by the due index, read units per run", by_index.rru, "RRU"),
            (f"{label}: quiet-hour sweep scanning every profile, read units per member", by_scan.rru / MEMBERS, "RRU"),
            (f"{label}: hourly sweep by the due index, quiet hours, per month", by_index.rru * runs_a_month * usd_per_rru, "USD"),
            (f"{label}: hourly sweep scanning every profile, per month per 10,000 members",
             by_scan.rru / MEMBERS * 10_000 * runs_a_month * usd_per_rru, "USD"),
        ]
    return rows


if __name__ == "__main__":
    for figure, value, unit in run():
        print(f"{figure:<64} {value:>10.3f} {unit}")
