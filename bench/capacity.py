"""DynamoDB capacity as AWS bills it, counted from every client call the process makes.

Sizes follow DynamoDB's own rule (attribute names plus values: `journeysync.store.layout.item_size`),
not JSON length. Writes: PutItem by the larger of the new and the replaced item, UpdateItem and
DeleteItem by the size of the item they touch (read from the table first, uncounted), a write to an
item carrying GSI keys once more for the index (the keys-only due index only when an item's due time
changes), and failed conditional writes too (AWS bills them).
Reads: strongly consistent 4 KB units (half for eventually consistent), Query and Scan on the sum of
what they return.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from journeysync.store.budget import item_size

_GSI_KEY = "gsi1pk"


@dataclass
class Capacity:
    wru: float = 0.0
    rru: float = 0.0
    failed_conditional_wru: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    item_sizes: Counter[int] = field(default_factory=Counter)  # sizes of items written, 64-byte buckets


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


@contextlib.contextmanager
def metering(functions: set[str] | None = None) -> Iterator[Capacity]:
    """Count capacity of every DynamoDB call (of the named Lambda functions only, if given)."""
    cap = Capacity()
    lock = threading.Lock()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private botocore hook

    schemas: dict[str, list[str]] = {}

    def existing(client: Any, table: str, params: dict[str, Any]) -> dict[str, Any]:
        if "Key" in params:
            key = params["Key"]
        else:
            if table not in schemas:
                described = original(client, "DescribeTable", {"TableName": table})
                schemas[table] = [k["AttributeName"] for k in described["Table"]["KeySchema"]]
            key = {name: params["Item"][name] for name in schemas[table]}
        got = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        return dict(got.get("Item") or {})

    def metered(client: Any, op: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "-").rsplit("-", 1)[-1]
        if service != "dynamodb" or (functions is not None and function not in functions):
            return original(client, op, params)
        params = params or {}
        old: dict[str, Any] = {}
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            old = existing(client, params["TableName"], params)
        try:
            result = original(client, op, params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                with lock:
                    cap.requests[op] += 1
                    wru, _ = _price(op, params, {}, old, cap)
                    cap.wru += wru
                    cap.failed_conditional_wru += wru
            raise
        with lock:
            cap.requests[op] += 1
            wru, rru = _price(op, params, result, old, cap)
            cap.wru += wru
            cap.rru += rru
        return result

    setattr(BaseClient, "_make_api_call", metered)  # noqa: B010
    try:
        yield cap
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010


def gsi1_keys(item: dict[str, Any]) -> tuple[str, str] | None:
    """An item's gsi1 keys (None: not in the index)."""
    return (item[_GSI_KEY]["S"], item.get("gsi1sk", {}).get("S", "")) if _GSI_KEY in item else None


def due_of(item: dict[str, Any]) -> str | None:
    return item["due"]["S"] if "due" in item else None


def index_write_units(size: int, gsi1_before: tuple[str, str] | None, gsi1_after: tuple[str, str] | None,
                      due_before: str | None, due_after: str | None) -> tuple[int, int]:
    """(gsi1, due index) write units of one table write of an item of `size` bytes.

    gsi1 projects every attribute, so each write of an item it holds (before or after) writes the index
    again, and one that moves the item's gsi1 keys deletes the old entry and puts the new one. The due
    index holds keys only: it is written only when the due time changes (out, in, or both)."""
    gsi1 = 0
    if gsi1_before is not None or gsi1_after is not None:
        moved = gsi1_before is not None and gsi1_after is not None and gsi1_before != gsi1_after
        gsi1 = _units(size, 1024) * (2 if moved else 1)
    due = (due_before is not None) + (due_after is not None) if due_before != due_after else 0
    return gsi1, due


def _write(item: dict[str, Any], old: dict[str, Any], cap: Capacity) -> int:
    size = max(item_size(item), item_size(old))
    cap.item_sizes[size // 64 * 64] += 1
    gsi1, due = index_write_units(item_size(item) if item else item_size(old), gsi1_keys(old), gsi1_keys(item),
                                  due_of(old), due_of(item))
    return _units(size, 1024) + gsi1 + due


def _price(
    op: str, params: dict[str, Any], result: dict[str, Any], old: dict[str, Any], cap: Capacity
) -> tuple[float, float]:
    if op == "PutItem":
        return _write(params["Item"], old, cap), 0.0
    if op == "UpdateItem" and "#due" in str(params.get("UpdateExpression", "")):  # store.requests.set_due
        new_due = (params.get("ExpressionAttributeValues") or {}).get(":d")
        return _write({**old, "due": new_due} if new_due else {k: v for k, v in old.items() if k != "due"}, old, cap), 0.0
    if op == "UpdateItem":  # billed on the item it touches; its due time (the index key) stays
        return _write(old or params["Key"], old, cap), 0.0
    if op == "DeleteItem":
        return _write(old or params["Key"], {}, cap), 0.0
    if op == "BatchWriteItem":
        units = 0.0
        for reqs in params.get("RequestItems", {}).values():
            for r in reqs:
                units += _write(r["PutRequest"]["Item"] if "PutRequest" in r else r["DeleteRequest"]["Key"], {}, cap)
        return units, 0.0
    strong = bool(params.get("ConsistentRead"))
    if op == "GetItem":
        size = item_size(result.get("Item") or {})
        return 0, _units(size, 4096) * (1.0 if strong else 0.5)
    if op in ("Query", "Scan"):
        size = sum(item_size(i) for i in result.get("Items") or [])
        return 0, _units(size, 4096) * (1.0 if strong else 0.5)
    if op == "BatchGetItem":
        units = 0.0
        for table, items in (result.get("Responses") or {}).items():
            strong = bool(params["RequestItems"].get(table, {}).get("ConsistentRead"))
            units += sum(_units(item_size(i), 4096) * (1.0 if strong else 0.5) for i in items)
        return 0, units
    return 0, 0.0
