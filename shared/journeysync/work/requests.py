"""Pure DynamoDB request builders for work items.

| item      | pk                | sk           | gsi1pk          | gsi1sk                |
|-----------|-------------------|--------------|-----------------|-----------------------|
| work item | `C#<customer_id>` | `WI#<id>`    | `WORK#<status>` | `<created_at>#<id>`   |

In the customer's partition (so `forget` erases them with the profile, and one Query gives a
member's items); GSI1 lists them by status for the CLI, the staff page and the report.
"""

from __future__ import annotations

from typing import Any

from journeysync.store.table import TableKeys, put_if_status, put_new
from journeysync.work.model import WorkItem, WorkStatus

PREFIX = "WI#"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def item_key(customer_id: str, item_id: str) -> dict[str, Any]:
    return {"pk": _s(TableKeys.customer_pk(customer_id)), "sk": _s(f"{PREFIX}{item_id}")}


def work_item(item: WorkItem) -> dict[str, Any]:
    return {
        **item_key(item.customer_id, item.id),
        "gsi1pk": _s(f"WORK#{item.status}"),
        "gsi1sk": _s(f"{item.created_at.isoformat()}#{item.id}"),
        "status": _s(item.status),
        "doc": _s(item.model_dump_json()),
    }


def item_from(raw: dict[str, Any]) -> WorkItem:
    return WorkItem.model_validate_json(raw["doc"]["S"])


def create(table: str, item: WorkItem) -> dict[str, Any]:
    return put_new(table, work_item(item))


def replace(table: str, item: WorkItem, expected: WorkStatus) -> dict[str, Any]:
    return put_if_status(table, work_item(item), expected)


def query_customer(table: str, customer_id: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :wi)",
        "ExpressionAttributeValues": {":pk": _s(TableKeys.customer_pk(customer_id)), ":wi": _s(PREFIX)},
        "ConsistentRead": True,
    }


def query_status(table: str, status: WorkStatus) -> dict[str, Any]:
    return {
        "TableName": table,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": _s(f"WORK#{status}")},
        "ScanIndexForward": False,
    }
