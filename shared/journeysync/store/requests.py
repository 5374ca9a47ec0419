"""Pure builders of DynamoDB requests for the profile store.

Every function returns the keyword arguments of one boto3 DynamoDB client call,
so the exact condition expressions are unit-tested without AWS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeysync.identity import IdentityKey
from journeysync.models.events import CustomerEvent
from journeysync.store.table import TableKeys


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def query_customer(table: str, customer_id: str, consistent: bool = True) -> dict[str, Any]:
    """The hot `P` item and every fact item of a customer (`F#…` < `P`) in one Query."""
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :f AND :p",
        "ExpressionAttributeValues": {
            ":pk": _s(TableKeys.customer_pk(customer_id)), ":f": _s("F#"), ":p": _s(TableKeys.PROFILE_SK),
        },
        "ConsistentRead": consistent,
    }


def query_listed(
    table: str, customer_id: str, kind: str | None = None, limit: int | None = None, consistent: bool = True
) -> dict[str, Any]:
    """Listed facts (bookings, purchases, ratings: `E#…`) of one kind newest first, up to `limit`; or all kinds."""
    prefix = f"E#{kind}#" if kind else "E#"
    req: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :e)",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id)), ":e": _s(prefix)},
        "ScanIndexForward": False,
        "ConsistentRead": consistent,
    }
    if limit is not None:
        req["Limit"] = limit
    return req


def query_timeline_window(table: str, customer_id: str, start_sk: str, consistent: bool = True) -> dict[str, Any]:
    """Timeline items from `start_sk` on: the window holding the journey entries the fold keeps."""
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
        "ExpressionAttributeValues": {
            ":pk": _s(TableKeys.customer_pk(customer_id)), ":from": _s(start_sk), ":to": _s("T$"),
        },
        "ProjectionExpression": "#pk, #sk, #j",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk", "#j": "j"},
        "ConsistentRead": consistent,
    }


def get_merged_into(table: str, customer_id: str) -> dict[str, Any]:
    """`P`'s tombstone pointer only, read strongly (a merge may have just written it)."""
    return {
        "TableName": table,
        "Key": {"pk": {"S": TableKeys.customer_pk(customer_id)}, "sk": {"S": TableKeys.PROFILE_SK}},
        "ConsistentRead": True,
        "ProjectionExpression": "#m",
        "ExpressionAttributeNames": {"#m": "merged_into"},
    }


def put_hot(table: str, item: dict[str, Any], expected_version: int) -> dict[str, Any]:
    """Write a hot `P` item only if the stored version is still `expected_version` (0 = must not exist)."""
    req: dict[str, Any] = {"TableName": table, "Item": item}
    if expected_version == 0:
        req["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        req["ConditionExpression"] = "#v = :expected"
        req["ExpressionAttributeNames"] = {"#v": "version"}
        req["ExpressionAttributeValues"] = {":expected": _n(expected_version)}
    return req


def put_fact(table: str, item: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Write a fact only over what was read (absent, or the same value): a concurrent writer's join is never lost."""
    if old is None:
        return {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "TableName": table, "Item": item, "ConditionExpression": "#d = :old",
        "ExpressionAttributeNames": {"#d": "d"}, "ExpressionAttributeValues": {":old": old["d"]},
    }


def delete_fact(table: str, old: dict[str, Any]) -> dict[str, Any]:
    """Delete a fact the fold's caps dropped, only if it is still what was read."""
    return {
        "TableName": table, "Key": {"pk": old["pk"], "sk": old["sk"]}, "ConditionExpression": "#d = :old",
        "ExpressionAttributeNames": {"#d": "d"}, "ExpressionAttributeValues": {":old": old["d"]},
    }


def add_entries(table: str, customer_id: str, at: datetime, event_id: str, entries: list[str]) -> dict[str, Any]:
    """Add journey entries to an event's timeline item without touching the rest (merges, migration)."""
    return {
        "TableName": table,
        "Key": {"pk": _s(TableKeys.customer_pk(customer_id)), "sk": _s(TableKeys.timeline_sk(at, event_id))},
        "UpdateExpression": "ADD j :e",
        "ExpressionAttributeValues": {":e": {"SS": sorted(set(entries))}},
    }


def claim_key(table: str, key: IdentityKey, customer_id: str) -> dict[str, Any]:
    """Map `key` to `customer_id` unless another customer already owns it."""
    return {
        "TableName": table,
        "Item": {
            "pk": _s(TableKeys.identity_pk(key)),
            "sk": _s(TableKeys.KEY_SK),
            "customer_id": _s(customer_id),
            "kind": _s(key.kind),
        },
        "ConditionExpression": "attribute_not_exists(pk) OR customer_id = :cid",
        "ExpressionAttributeValues": {":cid": _s(customer_id)},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def move_key(table: str, key: IdentityKey, from_customer: str, to_customer: str) -> dict[str, Any]:
    """Re-point a key during a merge, only if it still points at the merged-away customer."""
    return {
        "TableName": table,
        "Key": {"pk": _s(TableKeys.identity_pk(key)), "sk": _s(TableKeys.KEY_SK)},
        "UpdateExpression": "SET customer_id = :to",
        "ConditionExpression": "customer_id = :from",
        "ExpressionAttributeValues": {":to": _s(to_customer), ":from": _s(from_customer)},
    }


def get_keys(table: str, keys: list[IdentityKey]) -> dict[str, Any]:
    """BatchGetItem request for up to 100 identity keys."""
    return {
        "RequestItems": {
            table: {
                "Keys": [{"pk": _s(TableKeys.identity_pk(k)), "sk": _s(TableKeys.KEY_SK)} for k in keys],
                "ConsistentRead": True,
            }
        }
    }


def query_timeline(table: str, customer_id: str, limit: int = 20, newest_first: bool = True) -> dict[str, Any]:
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :t)",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id)), ":t": _s("T#")},
        "ScanIndexForward": not newest_first,
        "Limit": limit,
    }


def query_partition(table: str, customer_id: str) -> dict[str, Any]:
    """Every item of a customer's partition (profile, timeline, audit): used by forget and merge."""
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id))},
        "ProjectionExpression": "pk, sk",
    }


def scan_profiles(table: str, segment: int = 0, total_segments: int = 1, page_size: int = 500) -> dict[str, Any]:
    """One segment of a parallel scan over hot profile items (tombstones included; callers skip them)."""
    return {
        "TableName": table,
        "FilterExpression": "sk = :p",
        "ProjectionExpression": "#pk, #sk, #m, #doc",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk", "#m": "merged_into", "#doc": "doc"},
        "ExpressionAttributeValues": {":p": _s(TableKeys.PROFILE_SK)},
        "Segment": segment,
        "TotalSegments": total_segments,
        "Limit": page_size,
    }


def query_due(table: str, shard: str, until: str, page_size: int = 500) -> dict[str, Any]:
    """One shard of the due index: the profiles due at `until` or before (keys only)."""
    return {
        "TableName": table,
        "IndexName": "due",
        "KeyConditionExpression": "dsh = :s AND #due <= :until",
        "ExpressionAttributeNames": {"#due": "due"},
        "ExpressionAttributeValues": {":s": _s(shard), ":until": _s(until)},
        "Limit": page_size,
    }


def set_due(table: str, customer_id: str, version: int, due: str | None, shard: str) -> dict[str, Any]:
    """Set (or remove) a hot item's due time while it is still at `version`."""
    key = {"pk": _s(TableKeys.customer_pk(customer_id)), "sk": _s(TableKeys.PROFILE_SK)}
    condition = {"ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#v": "version", "#due": "due"}}
    if due is None:
        return {"TableName": table, "Key": key, **condition, "UpdateExpression": "REMOVE #due, dsh",
                "ExpressionAttributeValues": {":v": {"N": str(version)}}}
    return {"TableName": table, "Key": key, **condition, "UpdateExpression": "SET #due = :d, dsh = :s",
            "ExpressionAttributeValues": {":v": {"N": str(version)}, ":d": _s(due), ":s": _s(shard)}}


def batch_write(table: str, puts: list[dict[str, Any]], deletes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """BatchWriteItem request for up to 25 puts/deletes (items and keys given whole)."""
    requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in puts]
    requests += [{"DeleteRequest": {"Key": key}} for key in deletes or []]
    if len(requests) > 25:
        raise ValueError("BatchWriteItem takes at most 25 requests")
    return {"RequestItems": {table: requests}}


def forgotten_pk(digest: str) -> str:
    """An erased identity key leaves only its digest and the time (no address, no customer id)."""
    return f"F#{digest}"


def forgotten_marker(digest: str, at_iso: str) -> dict[str, Any]:
    return {"pk": _s(forgotten_pk(digest)), "sk": _s("F"), "forgotten_at": _s(at_iso)}


def anonymous_item(event: CustomerEvent, expires_at: int) -> dict[str, Any]:
    """An event with no usable identity key: recorded per day (type and source only), never a profile."""
    return {
        "pk": _s(f"ANON#{event.time.date().isoformat()}"),
        "sk": _s(TableKeys.timeline_sk(event.time, event.id)),
        "type": _s(event.type),
        "source": _s(event.source),
        "expires_at": _n(expires_at),
    }


def query_timeline_page(table: str, customer_id: str) -> dict[str, Any]:
    """Every timeline item of a customer (whole items: a merge copies them to the survivor)."""
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :t)",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id)), ":t": _s("T#")},
    }
