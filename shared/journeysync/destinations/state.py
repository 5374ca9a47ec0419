"""The sync-state store: per customer and destination, the membership last pushed there.

Items live in the single table beside the profile, so one customer's partition holds
everything about them (and a forget's partition sweep removes these too):

| item                 | pk                  | sk               |
|----------------------|---------------------|------------------|
| destination state    | `C#<customer_id>`   | `D#<destination>`|
| full-sync progress   | `SYNC#crm_to_email` | `FULL`           |

Writes are version-guarded (`version <= :v`): a stale event that lost the race never
overwrites a newer state. After a forget the item becomes a tombstone (no email, no
audiences, `forgotten`), so a late, older ProfileChanged cannot re-create the contact.
Request builders are pure functions (unit-tested without AWS); `SyncStateStore` runs them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from journeysync.destinations.model import ContactState
from journeysync.models.customer import Customer
from journeysync.store.layout import hot_customer
from journeysync.store.table import TableKeys

STATE_PREFIX = "D#"
PROGRESS_PK = "SYNC#crm_to_email"
PROGRESS_SK = "FULL"


def state_sk(destination: str) -> str:
    return f"{STATE_PREFIX}{destination}"


FORGOTTEN_STATE_SECONDS = 14 * 24 * 3600  # SQS's longest message retention


def _key(customer_id: str, destination: str) -> dict[str, Any]:
    return {"pk": {"S": TableKeys.customer_pk(customer_id)}, "sk": {"S": state_sk(destination)}}


def state_item(state: ContactState) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_key(state.customer_id, state.destination),
        "destination": {"S": state.destination},
        "version": {"N": str(state.version)},
        "audiences": {"L": [{"S": a} for a in sorted(state.audiences)]},
        "subscribed": {"BOOL": state.subscribed},
        "suppressed": {"BOOL": state.suppressed},
        "refused": {"BOOL": state.refused},
        "forgotten": {"BOOL": state.forgotten},
        "synced_at": {"S": state.synced_at.isoformat()},
    }
    if state.email:
        item["email"] = {"S": state.email}
    if state.forgotten:
        # PII-free, and only needed while a change sent before the forget may still be queued
        item["expires_at"] = {"N": str(int(state.synced_at.timestamp()) + FORGOTTEN_STATE_SECONDS)}
    return item


def state_from_item(item: dict[str, Any]) -> ContactState:
    return ContactState(
        customer_id=item["pk"]["S"].removeprefix("C#"),
        destination=item["destination"]["S"],
        version=int(item["version"]["N"]),
        email=item.get("email", {}).get("S"),
        audiences=frozenset(a["S"] for a in item.get("audiences", {}).get("L", [])),
        subscribed=bool(item.get("subscribed", {}).get("BOOL", False)),
        suppressed=bool(item.get("suppressed", {}).get("BOOL", False)),
        refused=bool(item.get("refused", {}).get("BOOL", False)),
        forgotten=bool(item.get("forgotten", {}).get("BOOL", False)),
        synced_at=datetime.fromisoformat(item["synced_at"]["S"]) if "synced_at" in item else datetime.now(UTC),
    )


def put_state(table: str, state: ContactState) -> dict[str, Any]:
    """Record `state` unless a newer version is already recorded."""
    return {
        "TableName": table,
        "Item": state_item(state),
        "ConditionExpression": "attribute_not_exists(pk) OR #v <= :v",
        "ExpressionAttributeNames": {"#v": "version"},
        "ExpressionAttributeValues": {":v": {"N": str(state.version)}},
    }


def bump_version(table: str, customer_id: str, destination: str, version: int) -> dict[str, Any]:
    """Advance the recorded version when an event changed nothing (keeps the staleness guard current)."""
    return {
        "TableName": table,
        "Key": _key(customer_id, destination),
        "UpdateExpression": "SET #v = :v",
        "ConditionExpression": "attribute_exists(pk) AND #v < :v",
        "ExpressionAttributeNames": {"#v": "version"},
        "ExpressionAttributeValues": {":v": {"N": str(version)}},
    }


def get_states(
    table: str, customer_ids: Sequence[str], destinations: Sequence[str], *, with_profiles: bool = False
) -> dict[str, Any]:
    """BatchGetItem for every (customer, destination) pair — and, with `with_profiles`, each current
    profile too (same table, same call); callers chunk to ≤100 keys."""
    keys = [_key(c, d) for c in customer_ids for d in destinations]
    if with_profiles:
        keys += [{"pk": {"S": TableKeys.customer_pk(c)}, "sk": {"S": TableKeys.PROFILE_SK}} for c in customer_ids]
    if len(keys) > 100:
        raise ValueError("BatchGetItem takes at most 100 keys")
    return {"RequestItems": {table: {"Keys": keys, "ConsistentRead": True}}}


def get_progress(table: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": {"pk": {"S": PROGRESS_PK}, "sk": {"S": PROGRESS_SK}},
        "ConsistentRead": True,
    }


def put_progress(table: str, progress: dict[str, Any]) -> dict[str, Any]:
    return {
        "TableName": table,
        "Item": {
            "pk": {"S": PROGRESS_PK},
            "sk": {"S": PROGRESS_SK},
            "doc": {"S": json.dumps(progress, sort_keys=True, default=str)},
        },
    }


class SyncStateStore:
    def __init__(self, table: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client
        self.reads = 0
        self.writes = 0

    def get_many(self, customer_ids: Iterable[str], destinations: Sequence[str]) -> dict[tuple[str, str], ContactState]:
        return self.load(customer_ids, destinations, with_profiles=False)[0]

    def load(
        self, customer_ids: Iterable[str], destinations: Sequence[str], *, with_profiles: bool = True
    ) -> tuple[dict[tuple[str, str], ContactState], dict[str, Customer]]:
        """States of every (customer, destination) and, optionally, the current profiles: one
        BatchGetItem per ≤100 keys (a 10-record SQS batch with two destinations is one call)."""
        ids = list(dict.fromkeys(customer_ids))
        states: dict[tuple[str, str], ContactState] = {}
        profiles: dict[str, Customer] = {}
        per_call = max(1, 100 // (len(destinations) + (1 if with_profiles else 0) or 1))
        for start in range(0, len(ids), per_call):
            request = get_states(self.table, ids[start : start + per_call], destinations, with_profiles=with_profiles)
            while request["RequestItems"]:
                self.reads += 1
                response = self.ddb.batch_get_item(**request)
                for item in response.get("Responses", {}).get(self.table, []):
                    if item["sk"]["S"] == TableKeys.PROFILE_SK:
                        customer = hot_customer(item)
                        profiles[customer.customer_id] = customer
                        continue
                    state = state_from_item(item)
                    states[(state.customer_id, state.destination)] = state
                request = {"RequestItems": response.get("UnprocessedKeys") or {}}
        return states, profiles

    def full_profile(self, customer_id: str) -> Customer | None:
        """The whole stored customer (hot item, facts and journey entries)."""
        from journeysync.store.profiles import ProfileStore

        return ProfileStore(self.table, client=self.ddb).get(customer_id)

    def put(self, state: ContactState) -> bool:
        """Write `state`; False when a newer one was already recorded (the other writer wins)."""
        self.writes += 1
        try:
            self.ddb.put_item(**put_state(self.table, state))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def bump(self, customer_id: str, destination: str, version: int) -> None:
        self.writes += 1
        try:
            self.ddb.update_item(**bump_version(self.table, customer_id, destination, version))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def progress(self) -> dict[str, Any]:
        item = self.ddb.get_item(**get_progress(self.table)).get("Item")
        return json.loads(item["doc"]["S"]) if item else {}

    def save_progress(self, progress: dict[str, Any]) -> None:
        self.ddb.put_item(**put_progress(self.table, progress))
