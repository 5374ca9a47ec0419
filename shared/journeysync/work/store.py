"""WorkItemStore: work items against the single table (conditional writes: one writer per transition)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from journeysync.work import requests as rq
from journeysync.work.model import WorkItem, WorkStatus


def _conditional_failed(exc: Exception) -> bool:
    return bool((getattr(exc, "response", None) or {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class WorkItemStore:
    def __init__(self, table: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client

    def create(self, item: WorkItem) -> bool:
        """False if the item already exists (a redelivery)."""
        try:
            self.ddb.put_item(**rq.create(self.table, item))
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def move(self, item: WorkItem, expected: WorkStatus) -> bool:
        """Write `item` if the stored one is still in status `expected`."""
        try:
            self.ddb.put_item(**rq.replace(self.table, item, expected))
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def customer_items(self, customer_id: str) -> list[WorkItem]:
        resp = self.ddb.query(**rq.query_customer(self.table, customer_id))
        return [rq.item_from(i) for i in resp.get("Items", [])]

    def by_status(self, status: WorkStatus) -> Iterator[WorkItem]:
        req = rq.query_status(self.table, status)
        while True:
            resp = self.ddb.query(**req)
            for raw in resp.get("Items", []):
                yield rq.item_from(raw)
            if not resp.get("LastEvaluatedKey"):
                return
            req = {**req, "ExclusiveStartKey": resp["LastEvaluatedKey"]}

    def delete_customer(self, customer_id: str) -> int:
        """Erase a person's work items (for `forget`); returns how many went."""
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in self.customer_items_raw(customer_id)]
        for start in range(0, len(keys), 25):
            self.ddb.batch_write_item(RequestItems={
                self.table: [{"DeleteRequest": {"Key": k}} for k in keys[start:start + 25]]
            })
        return len(keys)

    def customer_items_raw(self, customer_id: str) -> list[dict[str, Any]]:
        return list(self.ddb.query(**rq.query_customer(self.table, customer_id)).get("Items", []))
