"""Pure DynamoDB request builders for surveys.

| item        | pk                | sk              | gsi1pk            | gsi1sk                   |
|-------------|-------------------|-----------------|-------------------|--------------------------|
| survey      | `C#<customer_id>` | `SU#<event id>` | `SURVEYS#<status>`| `<due_at or sent_at>#<event id>` |
| survey cap  | `C#<customer_id>` | `SUCAP`         |                   |                          |

Both live in the customer's partition, so `forget` erases them with the profile. GSI1 gives the
sweep the pending surveys in due order and the outbox the sent ones newest first; it holds surveys in
those two statuses only (`INDEXED`). The cap item
holds the last send; claiming it is conditional, so two surveys falling due together cannot both go.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from journeysync.store.table import TableKeys, put_if_status, put_new
from journeysync.surveys.model import Survey, SurveyStatus

SURVEY_PREFIX = "SU#"
CAP_SK = "SUCAP"
KEEP_SECONDS = 400 * 86400  # a year and a bit of outbox; TTL removes older ones


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def sortable(at: datetime) -> str:
    """Fixed-width UTC time, so string order in keys and conditions is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status_pk(status: SurveyStatus) -> str:
    return f"SURVEYS#{status}"


def survey_key(customer_id: str, event_id: str) -> dict[str, Any]:
    return {"pk": _s(TableKeys.customer_pk(customer_id)), "sk": _s(f"{SURVEY_PREFIX}{event_id}")}


def cap_key(customer_id: str) -> dict[str, Any]:
    return {"pk": _s(TableKeys.customer_pk(customer_id)), "sk": _s(CAP_SK)}


def _sort_time(survey: Survey) -> datetime:
    return survey.sent_at if survey.status == "sent" and survey.sent_at else survey.due_at


INDEXED: tuple[SurveyStatus, ...] = ("pending", "sent")
"""The statuses something reads by status (the send schedule, the outbox). A survey in another one is
left out of GSI1: its moves through `sending` and `skipped` then cost one index write, not two."""


def survey_item(survey: Survey) -> dict[str, Any]:
    indexed = {
        "gsi1pk": _s(status_pk(survey.status)),
        "gsi1sk": _s(f"{sortable(_sort_time(survey))}#{survey.event_id}"),
    } if survey.status in INDEXED else {}
    return {
        **survey_key(survey.customer_id, survey.event_id),
        **indexed,
        "status": _s(survey.status),
        "doc": _s(survey.model_dump_json()),
        "expires_at": {"N": str(int(survey.planned_at.timestamp()) + KEEP_SECONDS)},
    }


def survey_from_item(item: dict[str, Any]) -> Survey:
    return Survey.model_validate_json(item["doc"]["S"])


def plan(table: str, survey: Survey) -> dict[str, Any]:
    """Store a new survey; fails (ConditionalCheckFailed) if this touchpoint event already has one."""
    return put_new(table, survey_item(survey))


def replace(table: str, survey: Survey, expected: SurveyStatus) -> dict[str, Any]:
    """Write `survey` over the stored one if that is still in status `expected` (one writer per transition)."""
    return put_if_status(table, survey_item(survey), expected)


def get_cap(table: str, customer_id: str) -> dict[str, Any]:
    return {"TableName": table, "Key": cap_key(customer_id), "ConsistentRead": True}


def claim(table: str, sending: Survey, now: datetime, cutoff: datetime) -> dict[str, Any]:
    """TransactWriteItems: pending → sending, and the member's cap taken (none sent since `cutoff`)."""
    return {
        "TransactItems": [
            {"Put": replace(table, sending, "pending")},
            {
                "Update": {
                    "TableName": table,
                    "Key": cap_key(sending.customer_id),
                    "UpdateExpression": "SET last_sent_at = :now, survey = :id, previous = if_not_exists(last_sent_at, :none)",
                    "ConditionExpression": "attribute_not_exists(last_sent_at) OR last_sent_at < :cutoff",
                    "ExpressionAttributeValues": {
                        ":now": _s(sortable(now)),
                        ":id": _s(sending.event_id),
                        ":cutoff": _s(sortable(cutoff)),
                        ":none": _s(""),
                    },
                }
            },
        ]
    }


def release(table: str, pending: Survey) -> dict[str, Any]:
    """TransactWriteItems undoing `claim` after a failed send: back to pending, the cap as it was."""
    return {
        "TransactItems": [
            {"Put": replace(table, pending, "sending")},
            {
                "Update": {
                    "TableName": table,
                    "Key": cap_key(pending.customer_id),
                    "UpdateExpression": "SET last_sent_at = previous",
                    "ConditionExpression": "survey = :id",
                    "ExpressionAttributeValues": {":id": _s(pending.event_id)},
                }
            },
        ]
    }


def query_status(table: str, status: SurveyStatus, *, before: datetime | None = None,
                 newest_first: bool = False) -> dict[str, Any]:
    req: dict[str, Any] = {
        "TableName": table,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": _s(status_pk(status))},
        "ScanIndexForward": not newest_first,
    }
    if before is not None:
        req["KeyConditionExpression"] += " AND gsi1sk <= :before"
        req["ExpressionAttributeValues"][":before"] = _s(f"{sortable(before)}#~")
    return req


def query_customer(table: str, customer_id: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :su)",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id)), ":su": _s("SU")},
        "ProjectionExpression": "pk, sk",
    }
