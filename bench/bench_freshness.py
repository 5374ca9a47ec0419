"""Freshness: webhook accepted → profile updated → destination updated, p50/p95 over ~1,000 canonical events.

The demo's vendor day is posted through the local stack at a steady rate below the stack's capacity
(moto behind every AWS call), so the figures are the pipeline's own latency — pollers, rules, hops —
not a queue built up by the sender. Lineage is exact: every invocation's AWS calls carry its trace
header, SQS and EventBridge keep it on what they deliver, so each invocation knows the webhooks
(gateway request ids) whose events it handled.
"""

from __future__ import annotations

import statistics
import time

from journeysync_local.demo.play import DemoRun

TARGET_EVENTS = 1000
WEBHOOKS_PER_SECOND = 2.5


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def run() -> list[tuple[str, float, str]]:
    demo = DemoRun(members=600, seed=5)
    stack = demo.start()
    try:
        day = demo.build()
        accepted: dict[str, float] = {}
        events = 0
        for delivery in (d for d in day.deliveries if not d.forged):
            delivery.copies = 1
            tick = time.monotonic()
            for _d, status, body, request_id in demo.send(delivery):
                if status == 200 and body.get("accepted"):
                    events += len(body["accepted"])
                    accepted[request_id] = 0.0
            if events >= TARGET_EVENTS:
                break
            time.sleep(max(0.0, 1 / WEBHOOKS_PER_SECOND - (time.monotonic() - tick)))
        stack.wait_idle(timeout=300, settle=0.2)
        assert stack.gateway is not None
        for request_id, _route, _status, start, _end in stack.gateway.stats.requests:
            if request_id in accepted:
                accepted[request_id] = start
        profile: dict[str, float] = {}
        destination: dict[str, float] = {}
        for inv in stack.invocations:
            for root in inv.roots & accepted.keys():
                if inv.function == "PosToCrmFunction":
                    profile[root] = min(profile.get(root, inv.end), inv.end)
                elif inv.function == "CrmToEmailFunction":
                    destination[root] = max(destination.get(root, 0.0), inv.end)
    finally:
        demo.stop()
    to_profile = [(profile[r] - accepted[r]) * 1000 for r in profile]
    to_destination = [(destination[r] - accepted[r]) * 1000 for r in destination]
    p50p, p95p = _percentiles(to_profile)
    p50d, p95d = _percentiles(to_destination)
    return [
        ("canonical events posted (as signed webhooks)", float(events), "events"),
        ("webhooks posted, at a steady rate", float(len(accepted)), "webhooks"),
        ("webhook → profile updated p50", p50p, "ms"),
        ("webhook → profile updated p95", p95p, "ms"),
        ("webhook → email destination updated p50", p50d, "ms"),
        ("webhook → email destination updated p95", p95d, "ms"),
        ("webhooks whose events reached the email hop", float(len(to_destination)), "webhooks"),
    ]
