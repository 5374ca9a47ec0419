"""Key layout of the single journeysync table.

One table keeps a customer's profile and timeline in one partition (a single
Query returns the profile and its recent events) and makes the identity index a
set of one-item partitions, so "one key, one customer" is a conditional put.

| item            | pk               | sk                          |
|-----------------|------------------|-----------------------------|
| profile         | C#<customer_id>  | P                           |
| timeline event  | C#<customer_id>  | T#<event time>#<event id>   |
| audit record    | C#<customer_id>  | A#<time>#<id>               |
| identity key    | K#<key>          | K                           |

Other hops add their own prefixes (see each module's docstring); GSI1
(`gsi1pk`, `gsi1sk`) serves their secondary lookups.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeysync.identity import IdentityKey


class TableKeys:
    PROFILE_SK = "P"
    KEY_SK = "K"

    @staticmethod
    def customer_pk(customer_id: str) -> str:
        return f"C#{customer_id}"

    @staticmethod
    def identity_pk(key: IdentityKey | str) -> str:
        return f"K#{key}"

    @staticmethod
    def timeline_sk(at: datetime, event_id: str) -> str:
        return f"T#{at.isoformat()}#{event_id}"

    @staticmethod
    def audit_sk(at: datetime, audit_id: str) -> str:
        return f"A#{at.isoformat()}#{audit_id}"


def put_new(table: str, item: dict[str, Any]) -> dict[str, Any]:
    """PutItem that only creates: ConditionalCheckFailed if an item with this key exists (a redelivery)."""
    return {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}


def put_if_status(table: str, item: dict[str, Any], expected: str) -> dict[str, Any]:
    """PutItem over the stored item only while its `status` is still `expected`: one writer per transition."""
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "#st = :expected",
        "ExpressionAttributeNames": {"#st": "status"},
        "ExpressionAttributeValues": {":expected": {"S": expected}},
    }
