"""All hops together: billed AWS requests per canonical event and the cost per 1M events (dated price table).

A day of the demo (signed vendor webhooks, enrichment, every hop) runs through the local stack, whose
workers keep every AWS call a function makes (parameters and reply) on its invocation. DynamoDB is priced in capacity units from the item sizes that
crossed the wire (1 KB per write unit, 4 KB per strongly consistent read unit); Lambda's SQS polling is
one receive and one delete per batch it delivered; EventBridge's deliveries to the rules' queues are SQS
sends. Local Lambda durations are inflated by moto, so compute is an upper bound. Log ingestion is
the bytes the functions printed, Lambda's START/END/REPORT lines and the API's access log line.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter, defaultdict
from typing import Any

from journeysync_local.demo.play import DemoRun

from bench.capacity import due_of, gsi1_keys, index_write_units
from bench.prices import cost_per_million
from journeysync.store.budget import item_size
from journeysync.store.layout import kind_of

SQS_TRIGGERED = {"PosToCrmFunction": "sqs-fifo"}  # every other queue consumer reads a standard queue
RESULTS: dict[str, Any] = {}


def _size(value: Any) -> int:
    """DynamoDB's size rule (attribute names plus values) of an item, or of a batch write request's item."""
    request = value.get("PutRequest", {}).get("Item") or value.get("DeleteRequest", {}).get("Key")
    return item_size(request if request is not None else value)


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
    from journeysync_local.template import load_template, resources_of_type

    rules = resources_of_type(load_template(), "AWS::Events::Rule")
    return [r["Properties"]["EventPattern"] for r in rules.values() if r["Properties"].get("EventPattern")]


def deliveries(entry: dict[str, Any], patterns: list[dict[str, Any]]) -> int:
    event = {"source": entry.get("Source"), "detail-type": entry.get("DetailType"),
             "detail": json.loads(entry.get("Detail") or "{}")}
    return sum(1 for p in patterns if _matches(p, event))


def function_memory_gb() -> dict[str, float]:
    """Each function's configured memory (its own MemorySize, else the template's Globals), in GB."""
    from journeysync_local.template import load_template, resources_of_type

    template = load_template()
    default = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)
    functions = resources_of_type(template, "AWS::Serverless::Function")
    return {name: float(f["Properties"].get("MemorySize", default)) / 1024 for name, f in functions.items()}


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return (str(item.get("pk", {}).get("S", "")), str(item.get("sk", {}).get("S", "")))


class _Meter:
    """Requests and DynamoDB capacity units by price line (and by function), from every call the functions made.

    DynamoDB bills a write by the size of the item it writes: a PutItem by the item sent; an
    UpdateItem by the larger of the item before and after; a DeleteItem by the item deleted. The
    item before is the last one this run wrote under that key (calls are replayed in order) and the
    item after is read back from the table once the run is over, so an UpdateItem that sends one
    counter is still billed for the whole item it rewrites. Index writes are billed too: gsi1
    projects every attribute, so each write of an item it holds writes the index again; the due
    index holds keys only, so only a write that changes an item's due time writes it (twice when
    the time moves: the old entry out, the new one in).
    """

    def __init__(self, final_sizes: dict[tuple[str, str], int] | None = None,
                 final_indexed: dict[tuple[str, str], tuple[str, str]] | None = None) -> None:
        self.lines: defaultdict[str, float] = defaultdict(float)
        self.by_function: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.patterns = profile_changed_rules()
        self.final = final_sizes or {}
        # index entries: items in gsi1 (projection ALL: each write of one writes the index too), due times
        self.gsi1_keys: dict[tuple[str, str], tuple[str, str]] = {}  # as this run's puts left them
        self.final_gsi1 = final_indexed or {}  # for items only updated in place: the run's end state
        self.due: dict[tuple[str, str], str] = {}
        self.known: dict[tuple[str, str], int] = {}
        self.failed_wru = 0.0
        self.wru_by_kind: Counter[str] = Counter()  # write units by the kind of item written (P, T, E#B, K, ...)

    def record(self, service: str, op: str, params: dict[str, Any], result: dict[str, Any], function: str = "") -> None:
        """Price one call; a refused one (its result is {"Error": …}) is billed as if it had succeeded,
        as AWS bills a failed conditional write, but changes nothing the meter knows of the table."""
        with self._lock:
            self.calls[f"{service}:{op}"] += 1
            refused = "Error" in result
            known = dict(self.known) if refused else None
            for line, amount in self._price(service, op, params, {} if refused else result).items():
                self.lines[line] += amount
                self.by_function[function][line] += amount
                if refused and line == "dynamodb-wru":
                    self.failed_wru += amount
            if known is not None:
                self.known = known

    def _units(self, key: tuple[str, str], size: int) -> int:
        units = max(1, math.ceil(size / 1024))
        pk, sk = key
        self.wru_by_kind[kind_of(sk) if pk.startswith("C#") else pk.split("#", 1)[0] + "#"] += units
        return units

    def _index_units(self, key: tuple[str, str], size: int, due: str | None, put: bool = False,
                     gsi1: tuple[str, str] | None = None) -> int:
        """Index writes of one table write (bench.capacity.index_write_units). A put sends the item's gsi1
        keys (`gsi1`, None: not in the index); an update or delete leaves them as they were."""
        old = self.gsi1_keys.get(key) if put else self.gsi1_keys.get(key, self.final_gsi1.get(key))
        gsi1_units, due_units = index_write_units(size, old, gsi1 if put else old, self.due.get(key), due)
        if put and gsi1 is not None:
            self.gsi1_keys[key] = gsi1
        elif put:
            self.gsi1_keys.pop(key, None)
        self.wru_by_kind["gsi1 index"] += gsi1_units
        if due_units:
            self.wru_by_kind["due index"] += due_units
        if due is None:
            self.due.pop(key, None)
        else:
            self.due[key] = due
        return gsi1_units + due_units

    def _written(self, item: dict[str, Any]) -> int:
        size = _size(item)
        key = _key(item)
        self.known[key] = size
        return self._units(key, size) + self._index_units(key, size, due_of(item), put=True, gsi1=gsi1_keys(item))

    def _rewritten(self, key: dict[str, Any], sent: dict[str, Any], expression: str = "") -> int:
        k = _key(key)
        size = max(self.known.get(k, 0), self.final.get(k, 0), _size({**key, **sent}))
        self.known[k] = max(self.final.get(k, 0), _size({**key, **sent}))
        due = self.due.get(k)
        if "#due" in expression:  # journeysync.store.requests.set_due: SET a new due time or REMOVE it
            due = sent.get(":d", {}).get("S")
        return self._units(k, size) + self._index_units(k, size, due)

    def _deleted(self, key: dict[str, Any]) -> int:
        k = _key(key)
        size = self.known.pop(k, 0) or _size(key)
        units = self._index_units(k, size, None)
        self.gsi1_keys.pop(k, None)
        return self._units(k, size) + units

    def _write_units(self, op: str, params: dict[str, Any]) -> int | None:
        """Write units of one DynamoDB write request (None: not a write)."""
        if op == "PutItem":
            return self._written(params.get("Item", {}))
        if op == "UpdateItem":
            return self._rewritten(params.get("Key", {}), params.get("ExpressionAttributeValues", {}),
                                   str(params.get("UpdateExpression", "")))
        if op == "DeleteItem":
            return self._deleted(params.get("Key", {}))
        if op == "TransactWriteItems":  # twice the units of the same writes outside a transaction
            inner = [next(iter(entry.items())) for entry in params.get("TransactItems", [])]
            ops = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
            return 2 * sum(self._write_units(ops[kind], body) or 0 if kind in ops else 1 for kind, body in inner)
        if op == "BatchWriteItem":
            requests = [r for reqs in params.get("RequestItems", {}).values() for r in reqs]
            return sum(self._written(r["PutRequest"].get("Item", {})) if "PutRequest" in r
                       else self._deleted(r.get("DeleteRequest", {}).get("Key", {})) for r in requests)
        return None

    def _price(self, service: str, op: str, params: dict[str, Any], result: dict[str, Any]) -> dict[str, float]:
        if service == "dynamodb":
            if (units := self._write_units(op, params)) is not None:
                return {"dynamodb-wru": units}
            if op in ("GetItem", "Query", "Scan", "BatchGetItem"):
                got = result.get("Items") or [i for v in (result.get("Responses") or {}).values() for i in v]
                if "Item" in result:
                    got = [result["Item"]]
                return {"dynamodb-rru": max(1, sum(math.ceil(_size(i) / 4096) for i in got))}
            return {}
        if service == "sqs" and op.startswith("SendMessage"):
            return {"sqs-standard": 1}  # FIFO sends are re-priced by the caller (ingest)
        if service == "s3":
            return {"s3-put" if op in ("PutObject", "CopyObject") else "s3-get": 1}
        if service == "events" and op == "PutEvents":
            entries = len(params.get("Entries", []))
            copies = sum(deliveries(e, self.patterns) for e in params.get("Entries", []))
            return {"eventbridge": entries, "sqs-standard": copies}
        if service == "sesv2":
            return {"ses-email": 1} if op == "SendEmail" else {}
        if service == "secretsmanager":
            return {"secretsmanager-api": 1}
        return {}


# the API's access log line (the template's AccessLogSettings format) with a webhook's values in it
_ACCESS_LINE = ('{"requestId":"Ab1CdEfGhIjKlMn=","time":"04/Dec/2026:19:55:00 +0000","route":"POST /webhooks/{vendor}",'
                '"status":"200","latencyMs":"35","integrationStatus":"200","integrationError":"-"}')


def _platform_bytes(duration_s: float, memory_mb: int) -> int:
    """The bytes Lambda itself logs around one invocation (START, END, REPORT lines, text format)."""
    rid = "8f5b2c1e-3d4a-4b6c-9e7f-0a1b2c3d4e5f"
    ms = duration_s * 1000
    lines = (f"START RequestId: {rid} Version: $LATEST\n", f"END RequestId: {rid}\n",
             f"REPORT RequestId: {rid}\tDuration: {ms:.2f} ms\tBilled Duration: {math.ceil(ms)} ms\t"
             f"Memory Size: {memory_mb} MB\tMax Memory Used: 96 MB\t\n")
    return sum(len(line) for line in lines)


def _final_items(stack: Any) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], tuple[str, str]]]:
    """Every item of the profile table as the run left it: its size by DynamoDB's rule, and its gsi1 keys."""
    ddb = stack.client("dynamodb")
    sizes: dict[tuple[str, str], int] = {}
    indexed: dict[tuple[str, str], tuple[str, str]] = {}
    for page in ddb.get_paginator("scan").paginate(TableName=stack.resources["Table"]):
        for item in page.get("Items", []):
            sizes[_key(item)] = item_size(item)
            if (keys := gsi1_keys(item)) is not None:
                indexed[_key(item)] = keys
    return sizes, indexed


def run() -> list[tuple[str, float, str]]:
    demo = DemoRun(members=80, seed=9)
    stack = demo.start(record_aws_calls=True)
    try:
        day = demo.build()
        demo.play(day)
        stack.wait_idle(timeout=300, settle=0.2)
        final, indexed = _final_items(stack)
        logged = sum(len(line.line.encode()) + 1 for line in stack.logs)
    finally:
        demo.stop()
    meter = _Meter(final, indexed)
    for inv in sorted(stack.invocations, key=lambda i: i.start):  # the pollers' calls are priced per batch below
        for call in inv.call_log:
            meter.record(call["service"], call["op"], call["params"] or {}, call["result"] or {}, inv.function)
    accepted = [body for _d, status, body, _rid in demo.replies if status in (200, 202)]
    events = len({e for body in accepted for e in body.get("accepted", [])})
    webhooks = len(demo.replies)
    lines = defaultdict(float, meter.lines)
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
    # CloudWatch Logs ingestion: what the functions printed, Lambda's own lines, the API's access log
    log_bytes = (logged + webhooks * (len(_ACCESS_LINE) + 1)
                 + sum(_platform_bytes(i.end - i.start, int(memory.get(i.function, 0.5) * 1024))
                       for i in invocations if i.end))
    cost = cost_per_million(per_event, lambda_gb_seconds_per_event=gb_seconds / events,
                            log_bytes_per_event=log_bytes / events)
    requests = sum(meter.calls.values()) + sum(2 for inv in invocations if inv.trigger.startswith("sqs:"))
    RESULTS.update({
        "cost_usd_per_million_events": cost["total"],
        "dynamodb_wru_per_event": per_event.get("dynamodb-wru", 0.0),
        "dynamodb_rru_per_event": per_event.get("dynamodb-rru", 0.0),
        "aws_requests_per_event": requests / events,
    })
    rows: list[tuple[str, float, str]] = [
        ("canonical events through every hop", float(events), "events"),
        ("vendor webhooks (incl. retries and forgeries)", float(webhooks), "webhooks"),
        ("Lambda invocations per event", len(invocations) / events, "invocations"),
    ]
    rows += [(f"billed per event: {line}", n, "units") for line, n in sorted(per_event.items())]
    rows += [("AWS requests per event (functions + SQS polling)", requests / events, "requests")]
    rows += [(f"cost per 1M events: {line}", usd, "USD") for line, usd in cost.items() if usd]
    rows += [("failed conditional write units per event (billed, in the WRU above)", meter.failed_wru / events, "WRU")]
    rows += [("log bytes ingested per event (functions, platform lines, API access log)", log_bytes / events, "bytes")]
    rows += [("emails sent per event (not in the total: the organisation's choice)", emails, "emails")]
    rows += [(f"DynamoDB write units per event: {kind} items", units / events, "WRU")
             for kind, units in sorted(meter.wru_by_kind.items(), key=lambda kv: -kv[1])]
    by_function = Counter(i.function for i in invocations)
    for function in sorted(set(by_function) | set(meter.by_function) - {""}):
        spent: dict[str, float] = meter.by_function.get(function, {})
        rows += [(f"{function}: invocations per event", by_function[function] / events, "invocations")]
        if spent.get("dynamodb-wru"):
            rows += [(f"{function}: DynamoDB write units per event", spent["dynamodb-wru"] / events, "WRU")]
    return rows
