"""Pure DynamoDB request builders for alerts, round-robin counters and rating-token use.

| item                 | pk                | sk             | gsi1pk               | gsi1sk                  |
|----------------------|-------------------|----------------|----------------------|-------------------------|
| alert                | `C#<customer_id>` | `AL#<alert id>`| `ALERTS#<status>`    | `<sla_due_at>#<id>`     |
| round-robin counter  | `RR#<team>`       | `RR`           |                      |                         |
| rating-token use     | `SV#<nonce>`      | `SV`           |                      |                         |

An alert lives in its customer's partition, so `forget` erases it with the profile and the
customer's open alerts come back in one Query; GSI1 lists alerts by status in SLA order
(the escalator reads only `ALERTS#open` items whose SLA is due).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeysync.alerts.model import Alert, AlertStatus
from journeysync.store.table import TableKeys

ALERT_PREFIX = "AL#"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def status_pk(status: AlertStatus) -> str:
    return f"ALERTS#{status}"


def alert_key(customer_id: str, alert_id: str) -> dict[str, Any]:
    return {"pk": _s(TableKeys.customer_pk(customer_id)), "sk": _s(f"{ALERT_PREFIX}{alert_id}")}


def alert_item(alert: Alert) -> dict[str, Any]:
    return {
        **alert_key(alert.customer_id, alert.id),
        "gsi1pk": _s(status_pk(alert.status)),
        "gsi1sk": _s(f"{alert.sla_due_at.isoformat()}#{alert.id}"),
        "status": _s(alert.status),
        "v": _n(alert.version),
        "doc": _s(alert.model_dump_json(exclude={"version"})),
    }


def alert_from_item(item: dict[str, Any]) -> Alert:
    alert = Alert.model_validate_json(item["doc"]["S"])
    alert.version = int(item["v"]["N"])
    return alert


def put_alert(table: str, alert: Alert, expected_version: int) -> dict[str, Any]:
    """Write `alert` (whose `version` is already the new one) if the stored one is still `expected_version`."""
    req: dict[str, Any] = {"TableName": table, "Item": alert_item(alert)}
    if expected_version == 0:
        req["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        req["ConditionExpression"] = "v = :expected"
        req["ExpressionAttributeValues"] = {":expected": _n(expected_version)}
    return req


def get_alert(table: str, customer_id: str, alert_id: str) -> dict[str, Any]:
    return {"TableName": table, "Key": alert_key(customer_id, alert_id), "ConsistentRead": True}


def query_customer_alerts(table: str, customer_id: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :a)",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id)), ":a": _s(ALERT_PREFIX)},
        "ConsistentRead": True,
    }


def query_by_status(table: str, status: AlertStatus, due_before: datetime | None = None) -> dict[str, Any]:
    """Alerts of one status in SLA order; with `due_before`, only those whose SLA is due by then."""
    req: dict[str, Any] = {
        "TableName": table,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :g",
        "ExpressionAttributeValues": {":g": _s(status_pk(status))},
    }
    if due_before is not None:
        req["KeyConditionExpression"] = "gsi1pk = :g AND gsi1sk < :due"
        req["ExpressionAttributeValues"][":due"] = _s(f"{due_before.isoformat()}#~")
    return req


def next_round_robin(table: str, team: str) -> dict[str, Any]:
    """Atomically take the next round-robin slot of `team` (the counter's new value comes back)."""
    return {
        "TableName": table,
        "Key": {"pk": _s(f"RR#{team}"), "sk": _s("RR")},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": _n(1)},
        "ReturnValues": "UPDATED_NEW",
    }


def use_rating_token(
    table: str,
    nonce: str,
    *,
    now: datetime,
    edit_window_seconds: int,
    max_uses: int,
    expires_at: int,
    score: int | None,
) -> dict[str, Any]:
    """Count one use of a rating token: allowed while it is fresh (first use, or within the edit window) and
    under `max_uses`. The condition fails for a replay (window over) or a flood; ALL_OLD says which."""
    now_s = int(now.timestamp())
    sets = ["first_used_at = if_not_exists(first_used_at, :now)", "last_used_at = :now", "expires_at = :ttl"]
    values: dict[str, Any] = {
        ":now": _n(now_s),
        ":ttl": _n(expires_at),
        ":one": _n(1),
        ":window_start": _n(now_s - edit_window_seconds),
        ":max": _n(max_uses),
    }
    if score is not None:
        sets.append("last_score = :score")
        values[":score"] = _n(score)
    return {
        "TableName": table,
        "Key": {"pk": _s(f"SV#{nonce}"), "sk": _s("SV")},
        "UpdateExpression": "SET " + ", ".join(sets) + " ADD uses :one",
        "ConditionExpression": "attribute_not_exists(pk) OR (first_used_at > :window_start AND uses < :max)",
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
