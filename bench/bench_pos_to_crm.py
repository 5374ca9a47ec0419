"""pos_to_crm on the local stack: events per second, and billed AWS requests per event (botocore event hooks).

A realistic mix (members buying, booking, checking in, rating; a share of brand-new customers;
some events linking two profiles) goes onto the EventsQueue. Every AWS call a function makes is
counted by its worker per invocation; the event-source mapping's own ReceiveMessage and
DeleteMessageBatch (billed to the account too) are added per batch.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.aws_calls import calls_by_function
from journeysync.models import (
    CustomerEvent,
    IdentityKeys,
    MembershipPurchased,
    Money,
    PurchaseCompleted,
    SurveyResponded,
    TicketBooked,
    TicketCheckedIn,
)
from journeysync.queueing import send_events

CUSTOMERS = 120
EVENTS = 600
FUNCTION = "PosToCrmFunction"


def _events() -> list[CustomerEvent]:
    rng = random.Random(7)
    t0 = datetime.now(UTC) - timedelta(days=1)
    out: list[CustomerEvent] = []
    for n in range(EVENTS):
        c = rng.randrange(CUSTOMERS)
        identity = IdentityKeys(emails=[f"member{c}@example.com"])
        if n % 50 == 0:  # a till sale that links the member's phone (a new key, sometimes a second profile)
            identity = IdentityKeys(emails=[f"member{c}@example.com"], phones=[f"+4479111{c:05d}"])
        kind = rng.random()
        if kind < 0.2:
            data: Any = MembershipPurchased(tier="individual", term_months=12, order_id=f"m{n}")
        elif kind < 0.5:
            data = TicketBooked(order_id=f"t{n}", event_ref="exh-dinosaurs-2026")
        elif kind < 0.7:
            data = TicketCheckedIn(order_id=f"t{n - 1}", event_ref="exh-dinosaurs-2026")
        elif kind < 0.85:
            data = PurchaseCompleted(order_id=f"p{n}", total=Money(amount=1200, currency="GBP"))
        else:
            data = SurveyResponded(response_id=f"r{n}", scale="nps", score=rng.randrange(11))
        out.append(CustomerEvent.create(source="square", vendor_event_id=f"bench-{n}",
                                        time=t0 + timedelta(seconds=n * 30), identity=identity, data=data))
    return out


def run() -> list[tuple[str, float, str]]:
    from journeysync_local.moto_server import point_boto3_at, start_moto
    from journeysync_local.stack import LocalStack

    from journeysync.aws import reset_clients

    moto = start_moto()
    point_boto3_at(moto.url)
    reset_clients()
    stack = LocalStack(moto_url=moto.url, namespace="bench").start()
    try:
        events = _events()
        sqs = stack.client("sqs")
        started = time.perf_counter()
        send_events(stack.resources["EventsQueue"], events, sqs=sqs)
        stack.wait_idle(timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        stack.stop()
        moto.stop()
    runs = [i for i in stack.invocations if i.function == FUNCTION]
    busy = sum(i.end - i.start for i in runs)
    mine = Counter({(s, op): n for (f, s, op), n in calls_by_function(runs).items() if f == FUNCTION})
    batches = len(runs)
    esm = 2 * batches  # ReceiveMessage + DeleteMessageBatch per batch (the Lambda service's, billed to you)
    total = sum(mine.values()) + esm
    rows: list[tuple[str, float, str]] = [
        ("events", len(events), "events"),
        ("pos_to_crm invocations (batches)", batches, "batches"),
        ("events per second, pos_to_crm busy time", len(events) / busy if busy else 0.0, "events/s"),
        ("events per second, whole stack wall clock (all hops, concurrent workers)", len(events) / elapsed, "events/s"),
        ("billed AWS requests per event, pos_to_crm incl. SQS polling", total / len(events), "requests/event"),
    ]
    by_kind: Counter[str] = Counter()
    for (service, op), n in mine.items():
        by_kind[f"{service}:{op}"] += n
    for name, n in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        rows.append((f"  {name} per event", n / len(events), "requests/event"))
    rows.append(("  sqs:ReceiveMessage+DeleteMessageBatch (ESM) per event", esm / len(events), "requests/event"))
    return rows


if __name__ == "__main__":
    for figure, value, unit in run():
        print(f"{figure:<64} {value:>10.3f} {unit}")
