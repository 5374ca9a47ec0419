"""All hops together: billed AWS requests per canonical event and the cost per 1M events (dated price table).

A day of the demo (signed vendor webhooks, enrichment, every hop) runs through the local stack while
every AWS call is counted by function. DynamoDB is priced by `bench.capacity` (DynamoDB's item-size
rule, UpdateItem/DeleteItem by the item they touch, GSI writes, failed conditional writes); Lambda's
SQS polling is one receive and one delete per batch it delivered; each ProfileChanged entry is
delivered to the queues of the template's rules whose pattern it matches (an SQS send each; the
consumers' receives and deletes are their pollers', counted per batch). Lambda compute uses each function's memory from the template; local durations are
inflated by moto, so compute is an upper bound. Emails the organisation chooses to send (SES
SendEmail) are shown but left out of the total.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter, defaultdict
from typing import Any

from botocore.client import BaseClient

from bench.capacity import metering
from bench.prices import cost_per_million
from journeysync_cli.demo.play import DemoRun

SQS_TRIGGERED = {"PosToCrmFunction": "sqs-fifo"}  # every other queue consumer reads a standard queue
RESULTS: dict[str, Any] = {}


def _matches(pattern: Any, value: Any) -> bool:
    """EventBridge matching for the pattern forms the template uses (value lists, nested objects, arrays)."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        values = value if isinstance(value, list) else [value]
        return any(v in pattern for v in values)
    return bool(pattern == value)


def profile_changed_rules() -> list[dict[str, Any]]:
    """Event patterns of the template's rules (on any bus) that target a queue."""
    from journeysync_cli.local.template import load_template, resources_of_type

    rules = resources_of_type(load_template(), "AWS::Events::Rule")
    return [r["Properties"]["EventPattern"] for r in rules.values() if r["Properties"].get("EventPattern")]


def deliveries(entry: dict[str, Any], patterns: list[dict[str, Any]]) -> int:
    event = {"source": entry.get("Source"), "detail-type": entry.get("DetailType"),
             "detail": json.loads(entry.get("Detail") or "{}")}
    return sum(1 for p in patterns if _matches(p, event))


def function_memory_gb() -> dict[str, float]:
    """Each function's configured memory (its own MemorySize, else the template's Globals), in GB."""
    from journeysync_cli.local.template import load_template, resources_of_type

    template = load_template()
    default = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)
    functions = resources_of_type(template, "AWS::Serverless::Function")
    return {name: float(f["Properties"].get("MemorySize", default)) / 1024 for name, f in functions.items()}


class _Meter:
    """Requests and DynamoDB capacity units by price line, from every client call in the process."""

    def __init__(self) -> None:
        self.lines: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.patterns = profile_changed_rules()

    def record(self, service: str, op: str, params: dict[str, Any], result: dict[str, Any]) -> None:
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "-").rsplit("-", 1)[-1]
        if function == "-":
            return  # the runtime's own pollers and the demo's reads; Lambda polling is priced per batch below
        with self._lock:
            self.calls[f"{service}:{op}"] += 1
            for line, amount in self._price(service, op, params, result).items():
                self.lines[line] += amount

    def _price(self, service: str, op: str, params: dict[str, Any], result: dict[str, Any]) -> dict[str, float]:
        if service == "dynamodb":
            return {}  # capacity units are counted by bench.capacity
        if service == "sqs" and op.startswith("SendMessage"):
            return {"sqs-standard": 1}  # FIFO sends are re-priced by the caller (ingest)
        if service == "s3":
            return {"s3-put" if op in ("PutObject", "CopyObject") else "s3-get": 1}
        if service == "events" and op == "PutEvents":
            entries = params.get("Entries", [])
            delivered = sum(deliveries(e, self.patterns) for e in entries)
            return {"eventbridge": len(entries), "sqs-standard": delivered}  # the rule's send to its queue
        if service == "sesv2":
            return {"ses-email": 1} if op == "SendEmail" else {}
        if service == "secretsmanager":
            return {"secretsmanager-api": 1}
        return {}

    def install(self) -> Any:
        original = getattr(BaseClient, "_make_api_call")  # noqa: B009
        meter = self

        def metered(client: Any, op: str, params: Any) -> Any:
            result = original(client, op, params)
            meter.record(client.meta.service_model.service_name, op, params or {}, result or {})
            return result

        setattr(BaseClient, "_make_api_call", metered)  # noqa: B010
        return original


def run() -> list[tuple[str, float, str]]:
    demo = DemoRun(members=80, seed=9)
    stack = demo.start()
    meter = _Meter()
    original = meter.install()
    functions = set(function_memory_gb())
    try:
        with metering(functions) as capacity:
            day = demo.build()
            demo.play(day)
            stack.wait_idle(timeout=300, settle=0.2)
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010
        demo.stop()
    accepted = [body for _d, status, body, _rid in demo.replies if status in (200, 202)]
    events = len({e for body in accepted for e in body.get("accepted", [])})
    webhooks = len(demo.replies)
    lines = defaultdict(float, meter.lines)
    lines["dynamodb-wru"] += capacity.wru
    lines["dynamodb-rru"] += capacity.rru
    # SendMessageBatch is journeysync.queueing.send_events, whose only queue is the FIFO events queue
    fifo_sends = meter.calls["sqs:SendMessageBatch"]
    lines["sqs-standard"] -= fifo_sends
    lines["sqs-fifo"] += fifo_sends
    invocations = [i for i in stack.invocations if i.trigger != "direct"]
    for inv in invocations:
        if inv.trigger.startswith("sqs:"):
            lines[SQS_TRIGGERED.get(inv.function, "sqs-standard")] += 2  # the poller's receive + delete
    lines["apigateway-http"] += webhooks
    lines["lambda-requests"] += len(invocations)
    memory = function_memory_gb()
    gb_seconds = sum((i.end - i.start) * memory.get(i.function, 0.5) for i in invocations if i.end)
    per_event = {line: n / events for line, n in lines.items() if n > 0}
    emails = per_event.pop("ses-email", 0.0)
    cost = cost_per_million(per_event, lambda_gb_seconds_per_event=gb_seconds / events, log_bytes_per_event=1500)
    requests = sum(n for key, n in meter.calls.items()) + sum(
        2 for inv in invocations if inv.trigger.startswith("sqs:"))
    RESULTS.update({
        "cost_usd_per_million_events": cost["total"],
        "dynamodb_wru_per_event": capacity.wru / events,
        "dynamodb_rru_per_event": capacity.rru / events,
        "aws_requests_per_event": requests / events,
    })
    rows: list[tuple[str, float, str]] = [
        ("canonical events through every hop", float(events), "events"),
        ("vendor webhooks (incl. retries and forgeries)", float(webhooks), "webhooks"),
        ("Lambda invocations per event", len(invocations) / events, "invocations"),
    ]
    rows += [(f"billed per event: {line}", n, "units") for line, n in sorted(per_event.items())]
    rows += [("failed conditional write units per event", capacity.failed_conditional_wru / events, "WRU")]
    rows += [("AWS requests per event (functions + SQS polling)", requests / events, "requests")]
    rows += [(f"cost per 1M events: {line}", usd, "USD") for line, usd in cost.items() if usd]
    rows += [("emails sent per event (not in the total: the organisation's choice)", emails, "emails")]
    return rows
