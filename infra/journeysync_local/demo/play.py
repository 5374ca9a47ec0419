"""Play a `Day` through a local stack over HTTP and read back what happened from the stores.

Every count in the summary is read from where the effect lives (the profile table, the SES
contact list, the dead-letter queues, the gateway's own log), never from what the demo
meant to send; "lost" is every event id ingest acknowledged that reached neither a profile
timeline, nor the anonymous record, nor a dead-letter queue.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from journeysync_local.demo.scenario import Day, Delivery, build_day
from journeysync_local.stack import LocalStack
from journeysync_local.vendor_standin import VendorStandIn


@dataclass
class Summary:
    members: int = 0
    webhooks_sent: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    by_vendor: dict[str, Counter[int]] = field(default_factory=dict)
    events_accepted: int = 0
    enrichment_pending: int = 0
    profiles: int = 0
    merges: int = 0
    can_book_online: int = 0
    memberships: Counter[str] = field(default_factory=Counter)
    journey_stages: Counter[str] = field(default_factory=Counter)
    consent: Counter[str] = field(default_factory=Counter)
    ses_contacts: int = 0
    ses_topic_optins: Counter[str] = field(default_factory=Counter)
    suppressed_at_destination: int = 0
    alerts_routed: int | None = None
    dead_lettered: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    lost_examples: list[str] = field(default_factory=list)
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    wall_seconds: float = 0.0
    vendor_api_calls: int = 0
    reconcile: dict[str, Any] = field(default_factory=dict)
    loops: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.by_status[200] + self.by_status[202]

    @property
    def rejected(self) -> int:
        return sum(n for status, n in self.by_status.items() if 400 <= status < 500)

    def to_json(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "webhooks": {
                "sent": self.webhooks_sent,
                "accepted": self.accepted,
                "rejected": self.rejected,
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "by_vendor": {v: {str(k): n for k, n in sorted(c.items())} for v, c in sorted(self.by_vendor.items())},
            },
            "events_accepted": self.events_accepted,
            "enrichment_pending_at_ingest": self.enrichment_pending,
            "vendor_api_calls": self.vendor_api_calls,
            "profiles": self.profiles,
            "merges": self.merges,
            "can_book_online": self.can_book_online,
            "memberships": dict(self.memberships),
            "journey_stages": dict(self.journey_stages),
            "email_consent": dict(self.consent),
            "ses": {
                "contacts": self.ses_contacts,
                "topic_opt_ins": dict(self.ses_topic_optins),
                "suppressed": self.suppressed_at_destination,
            },
            "alerts_routed": self.alerts_routed,
            "dead_lettered": self.dead_lettered,
            "lost": self.lost,
            "lost_examples": self.lost_examples,
            "latency_ms": {"p50": round(self.latency_p50_ms, 1), "p95": round(self.latency_p95_ms, 1)},
            "wall_seconds": round(self.wall_seconds, 1),
            "reconcile": self.reconcile,
            "surveys_sent": self.loops.get("surveys_sent"),
            "survey_ratings_received": self.loops.get("survey_ratings_received"),
            "work_items": self.loops.get("work_items", {}),
            "owned_stage_entries": self.loops.get("owned_stage_entries"),
            "notes": self.notes,
        }


class DemoRun:
    def __init__(self, members: int = 300, seed: int = 7, workers: int = 4) -> None:
        self.members = members
        self.seed = seed
        self.workers = workers
        self.standin = VendorStandIn()
        self.stack: LocalStack | None = None
        self.replies: list[tuple[Delivery, int, dict[str, Any], str]] = []  # delivery, status, body, request id

    def start(self, **stack_options: Any) -> LocalStack:
        self.standin.start()
        params = {"SquareApiUrl": self.standin.url, "EventbriteApiUrl": f"{self.standin.url}/v3", "ShopifyApiUrl": f"{self.standin.url}/admin/api/2025-10"}
        self.stack = LocalStack(parameters=params, moto_process=True, **stack_options).start()
        return self.stack

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()
        self.standin.stop()

    def build(self) -> Day:
        day = build_day(self.members, self.seed, datetime.now(UTC), eventbrite_api=f"{self.standin.url}/v3")
        for order_id, order in day.square_orders.items():
            self.standin.seed("square", "orders", order_id, order)
        for customer_id, customer in day.square_customers.items():
            self.standin.seed("square", "customers", customer_id, customer)
        for order_id, order in day.eventbrite_orders.items():
            self.standin.seed("eventbrite", "orders", order_id, order)
        return day

    def send(self, delivery: Delivery) -> list[tuple[Delivery, int, dict[str, Any], str]]:
        assert self.stack is not None
        secret = self.stack.vendor_secrets[delivery.vendor]
        url, signed = self.stack.signed_webhook(delivery.vendor, delivery.body,
                                                secret=("not-the-" + secret) if delivery.forged else secret)
        headers = {"content-type": delivery.content_type, **delivery.extra_headers, **signed}
        out = []
        for copy in range(delivery.copies):
            if copy and delivery.vendor == "square":
                headers["square-retry-number"] = str(copy)
            resp = requests.post(url, data=delivery.body, headers=headers, timeout=30)
            try:
                body = resp.json()
            except ValueError:
                body = {"raw": resp.text[:200]}
            out.append((delivery, resp.status_code, body, resp.headers.get("apigw-requestid", "")))
        return out

    def play(self, day: Day, tick: Callable[[int], None] = lambda n: None) -> None:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for result in pool.map(self.send, day.deliveries):
                self.replies += result
                tick(1)


def summarise(run: DemoRun, day: Day, started: float) -> Summary:
    stack = run.stack
    assert stack is not None
    s = Summary(members=len(day.members), webhooks_sent=len(run.replies))
    accepted_ids: set[str] = set()
    accepted_requests: dict[str, float] = {}
    starts = {rid: start for rid, _route, _status, start, _end in stack.gateway.stats.requests} if stack.gateway else {}
    for delivery, status, body, rid in run.replies:
        s.by_status[status] += 1
        s.by_vendor.setdefault(delivery.vendor, Counter())[status] += 1
        if status in (200, 202):
            accepted_ids.update(body.get("accepted", []))
            s.enrichment_pending += int(body.get("enrichment_pending", 0) or 0)
            if rid in starts:
                accepted_requests[rid] = starts[rid]
    s.events_accepted = len(accepted_ids)
    s.vendor_api_calls = len(run.standin.requests)
    from journeysync.alerts.listing import count_alerts

    s.alerts_routed = int(count_alerts(stack.resources["Table"], stack.client("dynamodb"))["total"])
    seen = _read_table(stack, s)
    _read_ses(stack, s)
    dlq_bodies = _read_dlqs(stack, s)
    missing = sorted(accepted_ids - seen - dlq_bodies)
    s.lost, s.lost_examples = len(missing), missing[:5]
    s.latency_p50_ms, s.latency_p95_ms = _latency(stack, accepted_requests)
    s.wall_seconds = time.monotonic() - started
    return s


def _read_table(stack: LocalStack, s: Summary) -> set[str]:
    """Profiles, merges, memberships, journeys and consent from the profile table; returns every event id it holds."""
    from journeysync.store.profiles import ProfileStore

    seen: set[str] = set()
    ddb = stack.client("dynamodb")
    store = ProfileStore(stack.resources["Table"], client=ddb)
    for page in ddb.get_paginator("scan").paginate(TableName=stack.resources["Table"]):
        for item in page["Items"]:
            sk = item["sk"]["S"]
            if sk.startswith("T#") or sk.startswith("ANON#") or item.get("event_id"):
                seen.add(item.get("event_id", {}).get("S") or sk.rsplit("#", 1)[-1])
            if sk != "P":
                continue
            customer = store.get(item["pk"]["S"].removeprefix("C#"))
            if customer is None:
                continue
            if customer.is_tombstone:
                s.merges += 1
                continue
            s.profiles += 1
            profile = customer.profile
            s.can_book_online += profile.membership.can_book_online
            s.memberships[profile.membership.status] += 1
            s.consent[profile.email_consent.status] += 1
            for position in customer.journeys.values():
                s.journey_stages[f"{position.journey}:{position.stage}"] += 1
    return seen


def _read_ses(stack: LocalStack, s: Summary) -> None:
    lists = [p.ref for p in stack.physical.values() if p.type == "AWS::SES::ContactList"]
    if not lists:
        s.notes.append("no SES contact list in the template yet (crm_to_email)")
        return
    ses = stack.client("sesv2")
    for name in lists:
        token = None
        while True:
            kw: dict[str, Any] = {"ContactListName": name, **({"NextToken": token} if token else {})}
            resp = ses.list_contacts(**kw)
            for contact in resp.get("Contacts", []):
                s.ses_contacts += 1
                s.suppressed_at_destination += bool(contact.get("UnsubscribeAll"))
                for pref in contact.get("TopicPreferences", []):
                    if pref.get("SubscriptionStatus") == "OPT_IN":
                        s.ses_topic_optins[pref["TopicName"]] += 1
            token = resp.get("NextToken")
            if not token:
                break


def _read_dlqs(stack: LocalStack, s: Summary) -> set[str]:
    """Depth of every DLQ, and the event ids parked there (they are not lost: they wait for a redrive)."""
    sqs = stack.client("sqs")
    ids: set[str] = set()
    for lid, url in stack.dead_letter_queues().items():
        depth = stack.queue_depths([url])[url]
        s.dead_lettered[lid] = depth["visible"] + depth["in_flight"]
        if not s.dead_lettered[lid]:
            continue
        resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        for message in resp.get("Messages", []):
            try:
                ids.add(str(json.loads(message["Body"]).get("id", "")))
            except (ValueError, AttributeError):
                continue
    return ids


def _latency(stack: LocalStack, accepted: dict[str, float]) -> tuple[float, float]:
    """Webhook received → the last invocation its events caused finished (ms)."""
    last: dict[str, float] = {}
    for inv in stack.invocations:
        for root in inv.roots:
            if root in accepted and inv.end:
                last[root] = max(last.get(root, 0.0), inv.end)
    samples = sorted((last[r] - accepted[r]) * 1000 for r in last)
    if not samples:
        return 0.0, 0.0
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95


def write_json(summary: Summary, path: Path) -> None:
    path.write_text(json.dumps(summary.to_json(), indent=2))
