"""The `X#engagement` item of each customer's partition, with version-guarded writes.

Two writers (the SES hop, the Mailchimp pull, the campaign sender) may touch one member at
once; each write is conditional on the version it read (`attribute_not_exists(pk)` for the
first), and `update` re-reads and re-applies on a conflict, so none of them loses a count.
Request builders are pure functions.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from journeysync.engagement.model import EngagementState
from journeysync.errors import VersionConflictError
from journeysync.store.table import TableKeys

ENGAGEMENT_SK = "X#engagement"
"""Sorts after `P` and the timeline (`T#…`), outside every range the profile layout queries (`F#…`..`P`, `E#…`)."""

Mutation = Callable[[EngagementState], bool]
"""Changes the state in place; returns False when there is nothing to write."""


def key(customer_id: str) -> dict[str, Any]:
    return {"pk": {"S": TableKeys.customer_pk(customer_id)}, "sk": {"S": ENGAGEMENT_SK}}


def get_request(table: str, customer_id: str) -> dict[str, Any]:
    return {"TableName": table, "Key": key(customer_id), "ConsistentRead": True}


def put_request(table: str, state: EngagementState, expected_version: int) -> dict[str, Any]:
    """Write `state` (already at its new version) only if the stored one is still `expected_version`."""
    item = {
        **key(state.customer_id),
        "version": {"N": str(state.version)},
        "doc": {"S": state.model_dump_json(exclude={"version"})},
    }
    if expected_version == 0:
        return {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": {":v": {"N": str(expected_version)}},
    }


def scan_request(table: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "FilterExpression": "sk = :sk",
        "ExpressionAttributeValues": {":sk": {"S": ENGAGEMENT_SK}},
    }


def state_from_item(item: dict[str, Any]) -> EngagementState:
    doc = json.loads(item["doc"]["S"])
    return EngagementState.model_validate({**doc, "version": int(item["version"]["N"])})


class EngagementStore:
    def __init__(self, table: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client

    def get(self, customer_id: str) -> EngagementState | None:
        item = self.ddb.get_item(**get_request(self.table, customer_id)).get("Item")
        return state_from_item(item) if item else None

    def get_many(self, customer_ids: list[str]) -> dict[str, EngagementState]:
        """States by customer id, BatchGetItem in chunks of 100 (members with none are left out)."""
        found: dict[str, EngagementState] = {}
        ids = list(dict.fromkeys(customer_ids))
        for start in range(0, len(ids), 100):
            req: dict[str, Any] = {"RequestItems": {self.table: {"Keys": [key(c) for c in ids[start : start + 100]]}}}
            while req["RequestItems"]:
                resp = self.ddb.batch_get_item(**req)
                for item in resp.get("Responses", {}).get(self.table, []):
                    state = state_from_item(item)
                    found[state.customer_id] = state
                req = {"RequestItems": resp.get("UnprocessedKeys") or {}}
        return found

    def update(self, customer_id: str, mutate: Mutation, attempts: int = 8) -> EngagementState:
        """Read, mutate, write conditionally; on a lost race re-read and re-apply (jittered backoff)."""
        for attempt in range(attempts):
            current = self.get(customer_id) or EngagementState(customer_id=customer_id)
            expected = current.version
            if not mutate(current):
                return current
            current.version = expected + 1
            try:
                self.ddb.put_item(**put_request(self.table, current, expected))
                return current
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                time.sleep(min(0.2, 0.005 * (2**attempt)) * (0.5 + uuid.uuid4().int % 100 / 100))
        raise VersionConflictError(customer_id)

    def update_many(self, mutations: dict[str, Mutation]) -> dict[str, EngagementState]:
        """`update` for several members with one BatchGetItem; only a lost race costs a re-read."""
        current = self.get_many(list(mutations))
        out: dict[str, EngagementState] = {}
        for customer_id, mutate in mutations.items():
            state = current.get(customer_id) or EngagementState(customer_id=customer_id)
            expected = state.version
            if not mutate(state):
                out[customer_id] = state
                continue
            state.version = expected + 1
            try:
                self.ddb.put_item(**put_request(self.table, state, expected))
                out[customer_id] = state
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                out[customer_id] = self.update(customer_id, mutate)
        return out

    def iter_states(self) -> Iterator[EngagementState]:
        """Every member's state, page by page (an operator's scan, not a hot path)."""
        req = scan_request(self.table)
        while True:
            page = self.ddb.scan(**req)
            for item in page.get("Items", []):
                yield state_from_item(item)
            if not page.get("LastEvaluatedKey"):
                return
            req = {**req, "ExclusiveStartKey": page["LastEvaluatedKey"]}
