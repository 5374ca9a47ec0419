"""ProfileStore: reads and version-checked writes of customers, identity keys and timelines.

Writers never overwrite blindly: `update` re-reads and retries when another
writer got there first, so two concurrent updates both survive.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from journeysync.errors import IdentityConflictError, VersionConflictError
from journeysync.identity import IdentityKey
from journeysync.models.customer import Customer
from journeysync.models.events import CustomerEvent
from journeysync.store import requests as rq
from journeysync.store.table import TableKeys

Mutation = Callable[[Customer], Customer | None]
"""Takes the current customer, returns the changed one (or None for "nothing to change")."""


def _is_conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ProfileStore:
    def __init__(self, table: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client

    # -- customers -------------------------------------------------------------------------

    def get(self, customer_id: str) -> Customer | None:
        item = self.ddb.get_item(**rq.get_customer(self.table, customer_id)).get("Item")
        return rq.customer_from_item(item) if item else None

    def resolve(self, customer_id: str, max_hops: int = 5) -> Customer | None:
        """Follow tombstones (`merged_into`) to the surviving customer."""
        customer = self.get(customer_id)
        hops = 0
        while customer is not None and customer.header.merged_into and hops < max_hops:
            customer = self.get(customer.header.merged_into)
            hops += 1
        return customer

    def save(self, customer: Customer, expected_version: int) -> Customer:
        """Write `customer` as version `expected_version + 1`; raise VersionConflictError if someone else wrote."""
        stored = customer.model_copy(deep=True)
        stored.header.version = expected_version + 1
        stored.header.updated_at = datetime.now(UTC)
        try:
            self.ddb.put_item(**rq.put_customer(self.table, stored, expected_version))
        except ClientError as exc:
            if _is_conditional_failure(exc):
                raise VersionConflictError(customer.customer_id) from None
            raise
        return stored

    def update(self, customer_id: str, mutate: Mutation, attempts: int = 8) -> Customer | None:
        """Read-modify-write with optimistic locking, retried on conflict with jittered backoff."""
        for attempt in range(attempts):
            current = self.get(customer_id)
            if current is None:
                return None
            version = current.header.version
            changed = mutate(current.model_copy(deep=True))
            if changed is None:
                return current
            try:
                return self.save(changed, version)
            except VersionConflictError:
                time.sleep(min(0.2, 0.005 * (2**attempt)) * (0.5 + uuid.uuid4().int % 100 / 100))
        raise VersionConflictError(customer_id)

    def iter_customers(
        self, segment: int = 0, total_segments: int = 1, include_tombstones: bool = False
    ) -> Iterator[Customer]:
        """Stream every profile page by page (never the whole table in memory)."""
        req = rq.scan_profiles(self.table, segment, total_segments)
        while True:
            page = self.ddb.scan(**req)
            for item in page.get("Items", []):
                customer = rq.customer_from_item(item)
                if include_tombstones or not customer.is_tombstone:
                    yield customer
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            req = {**req, "ExclusiveStartKey": last}

    # -- identity index ----------------------------------------------------------------------

    def owner_of(self, key: IdentityKey) -> str | None:
        item = self.ddb.get_item(
            TableName=self.table,
            Key={"pk": {"S": TableKeys.identity_pk(key)}, "sk": {"S": TableKeys.KEY_SK}},
            ConsistentRead=True,
        ).get("Item")
        return item["customer_id"]["S"] if item else None

    def owners_of(self, keys: list[IdentityKey]) -> dict[IdentityKey, str]:
        """Batch lookup: which customer owns each key (absent keys are left out)."""
        by_pk = {TableKeys.identity_pk(k): k for k in keys}
        found: dict[IdentityKey, str] = {}
        pending = list(keys)
        while pending:
            chunk, pending = pending[:100], pending[100:]
            req = rq.get_keys(self.table, chunk)
            while req["RequestItems"]:
                resp = self.ddb.batch_get_item(**req)
                for item in resp.get("Responses", {}).get(self.table, []):
                    found[by_pk[item["pk"]["S"]]] = item["customer_id"]["S"]
                req = {"RequestItems": resp.get("UnprocessedKeys") or {}}
        return found

    def claim_key(self, key: IdentityKey, customer_id: str) -> None:
        """Map `key` to `customer_id`; IdentityConflictError names the owner if another customer has it."""
        try:
            self.ddb.put_item(**rq.claim_key(self.table, key, customer_id))
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            old: dict[str, Any] = dict(exc.response.get("Item") or {})  # type: ignore[call-overload]
            owner = old.get("customer_id", {}).get("S") or self.owner_of(key) or "?"
            raise IdentityConflictError(str(key), owner) from None

    def move_key(self, key: IdentityKey, from_customer: str, to_customer: str) -> bool:
        try:
            self.ddb.update_item(**rq.move_key(self.table, key, from_customer, to_customer))
            return True
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise

    def delete_key(self, key: IdentityKey) -> None:
        self.ddb.delete_item(
            TableName=self.table, Key={"pk": {"S": TableKeys.identity_pk(key)}, "sk": {"S": TableKeys.KEY_SK}}
        )

    # -- timeline and audit ------------------------------------------------------------------

    def append_timeline(self, customer_id: str, event: CustomerEvent) -> None:
        self.ddb.put_item(**rq.put_timeline_event(self.table, customer_id, event))

    def timeline(self, customer_id: str, limit: int = 20) -> list[CustomerEvent]:
        resp = self.ddb.query(**rq.query_timeline(self.table, customer_id, limit))
        return [CustomerEvent.model_validate_json(i["doc"]["S"]) for i in resp.get("Items", [])]

    def audit(self, customer_id: str, action: str, detail: dict[str, Any]) -> None:
        """An append-only audit record in the customer's partition (merges, forgets)."""
        now = datetime.now(UTC)
        self.ddb.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": TableKeys.customer_pk(customer_id)},
                "sk": {"S": TableKeys.audit_sk(now, uuid.uuid4().hex)},
                "action": {"S": action},
                "detail": {"S": json.dumps(detail, default=str, sort_keys=True)},
            },
        )

    def audits(self, customer_id: str) -> list[dict[str, Any]]:
        resp = self.ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
            ExpressionAttributeValues={":pk": {"S": TableKeys.customer_pk(customer_id)}, ":a": {"S": "A#"}},
        )
        return [{"action": i["action"]["S"], **json.loads(i["detail"]["S"])} for i in resp.get("Items", [])]

    def partition_keys(self, customer_id: str) -> Iterator[dict[str, Any]]:
        """Every key of the customer's partition (profile, timeline, audit), page by page."""
        req = rq.query_partition(self.table, customer_id)
        while True:
            page = self.ddb.query(**req)
            yield from page.get("Items", [])
            if not page.get("LastEvaluatedKey"):
                return
            req = {**req, "ExclusiveStartKey": page["LastEvaluatedKey"]}
