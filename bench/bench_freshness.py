"""Freshness: webhook accepted → profile updated → email destination's contact changed, p50/p95, median of 3 runs.

The demo's vendor day is posted through the local stack at a steady rate below the stack's capacity
(moto behind every AWS call), so the figures are the pipeline's own latency — pollers, rules, hops —
not a queue built up by the sender. Lineage is exact: every invocation's AWS calls carry its trace
header, SQS and EventBridge keep it on what they deliver, so each invocation knows the webhooks
(gateway request ids) whose events it handled.

"Destination updated" is read at the destination: the local SES records the time of every contact
create, update or delete that changed what the contact list holds, with the trace header of the call
that made it (`journeysync_local.moto_faithful`, `JOURNEYSYNC_DESTINATION_LOG`). A webhook counts
once every change its events caused is there. Each run starts a fresh stack; the headline p50/p95 are
the medians of the three runs' figures.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from journeysync_local.demo.play import DemoRun
from journeysync_local.moto_faithful import DESTINATION_LOG

RUNS = 3
TARGET_EVENTS = 400  # per run
WEBHOOKS_PER_SECOND = 2.5


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _segment(trace: str) -> str:
    """The invocation a trace header names (`Root=…;Parent=<segment>;Sampled=0` → segment)."""
    fields = dict(part.split("=", 1) for part in trace.split(";") if "=" in part)
    return fields.get("Parent", "")


def _one_run(seed: int, changes_file: Path) -> tuple[list[float], list[float], int]:
    """(webhook → profile ms, webhook → destination contact changed ms, events posted) of one fresh stack."""
    os.environ[DESTINATION_LOG] = str(changes_file)  # read by the moto child process the stack starts
    try:
        demo = DemoRun(members=600, seed=seed)
        stack = demo.start()
    finally:
        os.environ.pop(DESTINATION_LOG, None)
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
        invocations = list(stack.invocations)
    finally:
        demo.stop()
    return (*_latencies(invocations, accepted, changes_file), events)


def _latencies(invocations: list[Any], accepted: dict[str, float], changes_file: Path) -> tuple[list[float], list[float]]:
    """Per webhook: ms to its profile write, and ms until the last SES contact change its events caused."""
    by_segment = {inv.segment: inv for inv in invocations}
    profile: dict[str, float] = {}
    for inv in invocations:
        if inv.function == "PosToCrmFunction":
            for root in inv.roots & accepted.keys():
                profile[root] = min(profile.get(root, inv.end), inv.end)
    destination: dict[str, float] = {}
    lines = changes_file.read_text().splitlines() if changes_file.exists() else []
    for change in map(json.loads, lines):
        inv = by_segment.get(_segment(change["trace"]))
        if inv is None or inv.function != "CrmToEmailFunction":
            continue
        for root in inv.roots & accepted.keys():
            destination[root] = max(destination.get(root, 0.0), change["t"])
    return ([(profile[r] - accepted[r]) * 1000 for r in profile],
            [(destination[r] - accepted[r]) * 1000 for r in destination])


def run() -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    figures: dict[str, list[float]] = {"p50p": [], "p95p": [], "p50d": [], "p95d": []}
    with tempfile.TemporaryDirectory(prefix="freshness-") as tmp:
        for n in range(RUNS):
            to_profile, to_destination, events = _one_run(seed=5 + n, changes_file=Path(tmp) / f"contacts-{n}.jsonl")
            p50p, p95p = _percentiles(to_profile)
            p50d, p95d = _percentiles(to_destination)
            for key, value in zip(figures, (p50p, p95p, p50d, p95d), strict=True):
                figures[key].append(value)
            rows += [
                (f"run {n + 1}: canonical events posted (as signed webhooks)", float(events), "events"),
                (f"run {n + 1}: webhooks whose events changed an SES contact", float(len(to_destination)), "webhooks"),
                (f"run {n + 1}: webhook → profile updated p95", p95p, "ms"),
                (f"run {n + 1}: webhook → SES contact changed p95", p95d, "ms"),
            ]
    median = {key: statistics.median(values) for key, values in figures.items()}
    return [
        ("webhook → profile updated p50", median["p50p"], "ms"),
        ("webhook → profile updated p95", median["p95p"], "ms"),
        ("webhook → email destination updated p50", median["p50d"], "ms"),
        ("webhook → email destination updated p95", median["p95d"], "ms"),
        *rows,
    ]
