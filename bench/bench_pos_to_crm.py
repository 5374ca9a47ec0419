"""pos_to_crm on the local stack: events per second, and billed AWS requests per event (botocore event hooks).

A realistic mix (members buying, booking, checking in, rating; a share of brand-new customers;
some events linking two profiles) goes onto the EventsQueue. Every AWS call a function makes is
counted by a `before-call` hook registered on each client it creates, and attributed to the
function running at that moment; the event-source mapping's own ReceiveMessage and
DeleteMessageBatch (billed to the account too) are added per batch.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session

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


class _Counter:
    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._original = botocore.session.Session.create_client

    def install(self) -> None:
        counter, original = self, self._original

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            service = client.meta.service_model.service_name

            def before_call(model: Any, **_: Any) -> None:
                function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "-").rsplit("-", 1)[-1]
                with counter._lock:
                    counter.calls[(function, service, model.name)] += 1

            client.meta.events.register("before-call", before_call)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        botocore.session.Session.create_client = self._original  # type: ignore[method-assign]


def run() -> list[tuple[str, float, str]]:
    from journeysync.aws import reset_clients
    from journeysync_cli.local.moto_server import point_boto3_at, start_moto
    from journeysync_cli.local.stack import LocalStack

    moto = start_moto()
    point_boto3_at(moto.url)
    reset_clients()
    counter = _Counter()
    stack = LocalStack(moto_url=moto.url, namespace="bench").start()
    try:
        events = _events()
        sqs = stack.client("sqs")
        counter.install()
        started = time.perf_counter()
        send_events(stack.resources["EventsQueue"], events, sqs=sqs)
        stack.wait_idle(timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        counter.uninstall()
        stack.stop()
        moto.stop()
    runs = [i for i in stack.invocations if i.function == FUNCTION]
    busy = sum(i.end - i.start for i in runs)
    mine = Counter({(s, op): n for (f, s, op), n in counter.calls.items() if f == FUNCTION})
    batches = len(runs)
    esm = 2 * batches  # ReceiveMessage + DeleteMessageBatch per batch (the Lambda service's, billed to you)
    total = sum(mine.values()) + esm
    rows: list[tuple[str, float, str]] = [
        ("events", len(events), "events"),
        ("pos_to_crm invocations (batches)", batches, "batches"),
        ("events per second, pos_to_crm busy time", len(events) / busy if busy else 0.0, "events/s"),
        ("events per second, whole stack wall clock (all hops, 1 lock)", len(events) / elapsed, "events/s"),
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
