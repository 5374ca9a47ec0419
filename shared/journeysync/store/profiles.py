"""ProfileStore: reads and version-checked writes of customers, identity keys and timelines.

Writers never overwrite blindly: `update` re-reads and retries when another
writer got there first, so two concurrent updates both survive.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from journeysync.errors import IdentityConflictError, VersionConflictError
from journeysync.identity import IdentityKey, normalise_email
from journeysync.models.customer import Customer
from journeysync.models.events import CustomerEvent
from journeysync.store import layout
from journeysync.store import requests as rq
from journeysync.store import timeline as tl
from journeysync.store.table import TableKeys

Mutation = Callable[[Customer], Customer | None]


@dataclass
class _Seen:
    """A partition as last read or written: items by sort key, journey entries by event id."""

    items: dict[str, dict[str, Any]]
    entries: dict[str, set[str]]


def event_key_strings(event: CustomerEvent) -> list[str]:
    """The identity keys an event names, as strings (what a timeline item keeps for `forget`)."""
    keys = {str(k) for k in event.identity.keys()}  # noqa: SIM118 - IdentityKeys.keys() lists identity keys
    previous = getattr(event.data, "previous_email", None)
    if previous:
        with contextlib.suppress(ValueError):
            keys.add(str(IdentityKey("email", normalise_email(previous))))
    return sorted(keys)
"""Takes the current customer, returns the changed one (or None for "nothing to change")."""


def _is_conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


NextDue = Callable[[Customer, datetime], datetime | None]
"""The first time after the given one at which time alone changes the customer (journeysync.profile.due)."""


class ProfileStore:
    def __init__(self, table: str, client: Any | None = None, next_due: NextDue | None = None) -> None:
        """`next_due` sets each written profile's due time (the journey sweep's index); a store without
        one (a CLI command, another hop) keeps the due time the profile had."""
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client
        self.next_due = next_due
        # items as last read or written, by (customer id, version): what a save diffs against
        self._seen: dict[tuple[str, int], _Seen] = {}
        self._lock = threading.Lock()

    # -- customers -------------------------------------------------------------------------

    def get(self, customer_id: str, consistent: bool = False) -> Customer | None:
        """The customer: its `P` and fact items in one Query, then the timeline window holding its journey entries.

        Reads are eventually consistent (half the read units) unless `consistent`; `P` carries a
        digest of the facts and entries it was written with, and a read that does not match it (a
        write it missed) is repeated strongly. A stale but whole read fails its write's version
        check, and the writer re-reads with `consistent=True`."""
        customer, p_item = self._read(customer_id, consistent)
        if customer is None or consistent or layout.consistent(customer, p_item):
            return customer
        return self._read(customer_id, True)[0]

    def _read(self, customer_id: str, consistent: bool) -> tuple[Customer | None, dict[str, Any]]:
        query = rq.query_customer(self.table, customer_id, consistent)
        items = {i["sk"]["S"]: i for i in self._query_pages(query)}
        p_item = items.get(TableKeys.PROFILE_SK)
        if p_item is None:
            return None, {}
        plan = layout.read_plan(p_item)
        items.update({i["sk"]["S"]: i for i in self._listed(customer_id, plan.overflow, plan.kinds, consistent)})
        timeline = []
        if plan.window:
            timeline = list(self._query_pages(
                rq.query_timeline_window(self.table, customer_id, plan.window, consistent)))
        customer = layout.customer_from_items(customer_id, items.values(), timeline)
        assert customer is not None
        entries = {tl.parse_sk(i["sk"]["S"])[1]: set(i["j"]["SS"]) for i in timeline if "j" in i}
        self._remember(customer_id, customer.header.version, _Seen(items, entries))
        return customer, p_item

    def _listed(self, customer_id: str, overflow: frozenset[str], kinds: frozenset[str] | None,
                consistent: bool) -> Iterator[dict[str, Any]]:
        """Bookings, purchases, ratings and checkouts: all in one Query, or, for kinds with facts left
        beyond the cap, only the newest cap's worth (one page with Limit) and the other kinds that hold
        any (`kinds`; None: not recorded, so every kind) in full."""
        if not overflow:
            yield from self._query_pages(rq.query_listed(self.table, customer_id, consistent=consistent))
            return
        for kind, cap in layout.LISTED.items():
            if kinds is not None and kind not in kinds:
                continue
            if kind in overflow:
                yield from self.ddb.query(**rq.query_listed(self.table, customer_id, kind, cap, consistent))["Items"]
            else:
                yield from self._query_pages(rq.query_listed(self.table, customer_id, kind, consistent=consistent))

    def _remember(self, customer_id: str, version: int, seen: _Seen) -> None:
        with self._lock:
            if len(self._seen) > 2000:
                self._seen.clear()
            self._seen[(customer_id, version)] = seen

    def _baseline(self, customer_id: str, version: int) -> _Seen:
        with self._lock:
            seen = self._seen.get((customer_id, version))
        if seen is not None or version == 0:
            return seen or _Seen({}, {})
        self.get(customer_id, consistent=True)  # a save without a read first: read what is there to diff against
        with self._lock:
            return self._seen.get((customer_id, version)) or _Seen({}, {})

    def resolve(self, customer_id: str, max_hops: int = 5) -> Customer | None:
        """Follow tombstones (`merged_into`) to the surviving customer."""
        customer = self.get(customer_id)
        hops = 0
        while customer is not None and customer.header.merged_into and hops < max_hops:
            customer = self.get(customer.header.merged_into)
            hops += 1
        return customer

    def save(self, customer: Customer, expected_version: int, events: Sequence[CustomerEvent] = (),
             acting_at: datetime | None = None) -> Customer:
        """Write `customer` as version `expected_version + 1`; raise VersionConflictError if someone else wrote.

        Its due time is the first threshold after the write, or after `acting_at` when the writer acts at
        a later time than the clock's (the journey sweep at its schedule's time).

        Only what changed is written: new or changed facts first (each conditional on what was
        read, so a concurrent writer's fact is never overwritten with a stale join), the timeline
        items of `events` (with the journey entries they made), then `P`, version-checked — the
        commit point. A crash before `P` leaves facts a retry re-derives to the same values."""
        stored = customer.model_copy(deep=True)
        stored.header.version = expected_version + 1
        stored.header.updated_at = datetime.now(UTC)
        cid = customer.customer_id
        seen = self._baseline(cid, expected_version)
        overflow = layout.overflow_of(seen.items.get(TableKeys.PROFILE_SK))
        after = layout.customer_items(stored, overflow)
        puts, deletes, more = layout.changes(seen.items, after)
        if more - overflow:
            after = layout.customer_items(stored, overflow | more)
        after[TableKeys.PROFILE_SK] = self._with_due(
            stored, after[TableKeys.PROFILE_SK], seen.items.get(TableKeys.PROFILE_SK), acting_at)
        try:
            for item in puts:
                self.ddb.put_item(**rq.put_fact(self.table, item, seen.items.get(item["sk"]["S"])))
            for key in deletes:
                self.ddb.delete_item(**rq.delete_fact(self.table, seen.items[key["sk"]["S"]]))
        except ClientError as exc:
            if _is_conditional_failure(exc):
                self._forget_seen(cid, expected_version)
                raise VersionConflictError(cid) from None
            raise
        entries = self._write_entries(stored, events, seen.entries)
        try:
            self.ddb.put_item(**rq.put_hot(self.table, after[TableKeys.PROFILE_SK], expected_version))
        except ClientError as exc:
            if _is_conditional_failure(exc):
                self._forget_seen(cid, expected_version)
                if events:
                    self.settle_timeline(cid)  # the conflict may be a merge that already moved the timeline
                raise VersionConflictError(cid) from None
            raise
        self._forget_seen(cid, expected_version)
        self._remember(cid, stored.header.version, _Seen(after, entries))
        return stored

    def restore(self, customer: Customer) -> None:
        """Write `customer` as given, version included, over whatever is stored (migration, fixtures).

        Stale facts of the partition are deleted; journey entries go onto timeline items."""
        cid = customer.customer_id
        current = {i["sk"]["S"]: i for i in self._query_pages(rq.query_customer(self.table, cid, True))}
        current.update({i["sk"]["S"]: i for i in self._query_pages(rq.query_listed(self.table, cid))})
        after = layout.customer_items(customer)
        after[TableKeys.PROFILE_SK] = self._with_due(customer, after[TableKeys.PROFILE_SK], current.get(TableKeys.PROFILE_SK))
        puts = [item for sk, item in after.items() if current.get(sk) != item]
        deletes = [{"pk": i["pk"], "sk": i["sk"]} for sk, i in current.items() if sk not in after]
        hot = [i for i in puts if i["sk"]["S"] == TableKeys.PROFILE_SK]
        self.write_items([i for i in puts if i not in hot], deletes)
        entries = self._write_entries(customer, (), {})
        self.write_items(hot)
        self._remember(cid, customer.header.version, _Seen(after, entries))

    def _with_due(self, customer: Customer, p_item: dict[str, Any], before: dict[str, Any] | None,
                  acting_at: datetime | None = None) -> dict[str, Any]:
        if self.next_due is None:
            return layout.with_due(p_item, layout.due_of(before))
        after = max(customer.header.updated_at, acting_at or customer.header.updated_at)
        return layout.with_due(p_item, self.next_due(customer, after))

    # -- the journey sweep's due index -------------------------------------------------------

    def iter_due(self, now: datetime, segment: int = 0, total_segments: int = 1) -> Iterator[Customer]:
        """Every live customer whose due time is `now` or earlier (the shards of this segment)."""
        for shard in range(segment, layout.DUE_SHARDS, total_segments):
            for item in self._query_pages(rq.query_due(self.table, str(shard), layout.at_key(now))):
                customer = self.get(item["pk"]["S"].removeprefix("C#"))
                if customer is not None and not customer.is_tombstone:
                    yield customer

    def set_due(self, customer: Customer, due: datetime | None) -> None:
        """Give a profile read at its current version its next due time (nothing if it has it already;
        nothing if it was written since: that write set one)."""
        cid, version = customer.customer_id, customer.header.version
        with self._lock:
            seen = self._seen.get((cid, version))
        p_item = seen.items.get(TableKeys.PROFILE_SK) if seen else None
        wanted = layout.at_key(due) if due else None
        if p_item is not None and layout.due_of(p_item) == wanted:
            return
        try:
            self.ddb.update_item(**rq.set_due(self.table, cid, version, wanted, layout.due_shard(cid)))
        except ClientError as exc:
            if not _is_conditional_failure(exc):
                raise
            return
        if p_item is not None:
            seen.items[TableKeys.PROFILE_SK] = layout.with_due(p_item, wanted)  # type: ignore[union-attr]

    def _forget_seen(self, customer_id: str, version: int) -> None:
        with self._lock:
            self._seen.pop((customer_id, version), None)

    def _write_entries(
        self, customer: Customer, events: Sequence[CustomerEvent], known: dict[str, set[str]]
    ) -> dict[str, set[str]]:
        """Timeline items of `events`, and the journey entries of other events added to their existing items."""
        by_event = layout.entries_by_event(customer)
        items = []
        for event in events:
            _, made = by_event.get(event.id, (event.time, []))
            items.append(tl.timeline_item(customer.customer_id, event, event_key_strings(event), made))
        if items:
            self.write_items(items)
        written = {e.id for e in events}
        entries = {event_id: set(made) for event_id, (_, made) in by_event.items()}
        for event_id, (at, made) in sorted(by_event.items()):
            if event_id in written or set(made) <= known.get(event_id, set()):
                continue
            self.ddb.update_item(**rq.add_entries(self.table, customer.customer_id, at, event_id, made))
        return entries

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
                if not include_tombstones and "merged_into" in item:
                    continue
                customer = self.from_scanned(item)
                if customer is not None and (include_tombstones or not customer.is_tombstone):
                    yield customer
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            req = {**req, "ExclusiveStartKey": last}

    def from_scanned(self, item: dict[str, Any]) -> Customer | None:
        """The whole customer of a scanned `P` item (an old-layout item holds it; else its partition is read)."""
        if layout.is_legacy(item):
            return layout.legacy_customer(item)
        return self.get(item["pk"]["S"].removeprefix("C#"))

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
        self.ddb.put_item(TableName=self.table, Item=tl.timeline_item(customer_id, event, event_key_strings(event)))

    def timeline(self, customer_id: str, limit: int = 20) -> list[tl.TimelineEntry]:
        """The newest `limit` timeline entries, newest first."""
        resp = self.ddb.query(**rq.query_timeline(self.table, customer_id, limit))
        return [tl.entry_from_item(i) for i in resp.get("Items", [])]

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
        return self._query_pages(rq.query_partition(self.table, customer_id))

    def _query_pages(self, req: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item a Query returns, following LastEvaluatedKey (never a whole partition in memory)."""
        while True:
            page = self.ddb.query(**req)
            yield from page.get("Items", [])
            if not page.get("LastEvaluatedKey"):
                return
            req = {**req, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    # -- batched access for the profile hop ----------------------------------------------------

    def get_many(self, customer_ids: list[str]) -> dict[str, Customer]:
        """Profiles by id (absent ids are left out): one partition Query each, the P item and its facts."""
        found: dict[str, Customer] = {}
        for customer_id in dict.fromkeys(customer_ids):
            customer = self.get(customer_id)
            if customer is not None:
                found[customer_id] = customer
        return found

    def lookup(self, keys: list[IdentityKey]) -> tuple[dict[IdentityKey, str], dict[IdentityKey, datetime]]:
        """Owners of `keys` and the erasure time of any that were forgotten, in one BatchGetItem per 50 keys."""
        owners: dict[IdentityKey, str] = {}
        forgotten: dict[IdentityKey, datetime] = {}
        pending = list(dict.fromkeys(keys))
        while pending:
            chunk, pending = pending[:50], pending[50:]
            by_pk: dict[str, IdentityKey] = {}
            request_keys = []
            for key in chunk:
                for pk, sk in ((TableKeys.identity_pk(key), TableKeys.KEY_SK), (rq.forgotten_pk(key.digest()), "F")):
                    by_pk[pk] = key
                    request_keys.append({"pk": {"S": pk}, "sk": {"S": sk}})
            req: dict[str, Any] = {"RequestItems": {self.table: {"Keys": request_keys, "ConsistentRead": True}}}
            while req["RequestItems"]:
                resp = self.ddb.batch_get_item(**req)
                for item in resp.get("Responses", {}).get(self.table, []):
                    key = by_pk[item["pk"]["S"]]
                    if "forgotten_at" in item:
                        forgotten[key] = datetime.fromisoformat(item["forgotten_at"]["S"])
                    else:
                        owners[key] = item["customer_id"]["S"]
                req = {"RequestItems": resp.get("UnprocessedKeys") or {}}
        return owners, forgotten

    def write_items(self, puts: list[dict[str, Any]], deletes: list[dict[str, Any]] | None = None) -> None:
        """BatchWriteItem in chunks of 25, resubmitting unprocessed items with backoff.

        One request per key: BatchWriteItem refuses a batch naming a key twice (a redelivered event
        in the same batch), so the last put of a key wins and a delete of a key that is also put is dropped.
        """
        by_key = {(i["pk"]["S"], i["sk"]["S"]): i for i in puts}
        dels = {(k["pk"]["S"], k["sk"]["S"]): k for k in deletes or [] if (k["pk"]["S"], k["sk"]["S"]) not in by_key}
        requests = [("put", item) for item in by_key.values()] + [("delete", key) for key in dels.values()]
        for start in range(0, len(requests), 25):
            chunk = requests[start : start + 25]
            req = rq.batch_write(
                self.table, [i for k, i in chunk if k == "put"], [i for k, i in chunk if k == "delete"]
            )
            for attempt in range(8):
                resp = self.ddb.batch_write_item(**req)
                unprocessed = resp.get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                req = {"RequestItems": unprocessed}
                time.sleep(min(1.0, 0.02 * 2**attempt))
            else:
                from journeysync.errors import RetriableError

                raise RetriableError("DynamoDB left batch writes unprocessed")

    def append_timeline_many(self, entries: list[tuple[str, CustomerEvent]]) -> None:
        """Timeline items for (customer id, event) pairs, batched; replays overwrite themselves."""
        self.write_items([tl.timeline_item(cid, event, event_key_strings(event)) for cid, event in entries])

    def timeline_items(self, customer_id: str) -> Iterator[dict[str, Any]]:
        return self._query_pages(rq.query_timeline_page(self.table, customer_id))

    def move_timeline(self, from_customer: str, to_customer: str) -> int:
        """Copy a customer's timeline into another's partition, then delete the originals; returns the count."""
        moved = 0
        batch: list[dict[str, Any]] = []
        for item in self.timeline_items(from_customer):
            batch.append(item)
            if len(batch) == 12:
                moved += self._move_batch(batch, to_customer)
                batch = []
        if batch:
            moved += self._move_batch(batch, to_customer)
        return moved

    def settle_timeline(self, customer_id: str, max_hops: int = 5) -> int:
        """Move timeline items written to a customer that a concurrent merge made a tombstone.

        A merge writes the tombstone, then moves the loser's timeline. A writer that put a timeline
        item into the loser's partition after that move would strand it; so a writer that may have
        raced a merge reads `merged_into` back (strongly) after its write and moves what it finds.
        Either the merge's move saw the item, or this read sees the tombstone — never neither.
        Returns how many items moved."""
        moved, current = 0, customer_id
        for _ in range(max_hops):
            got = self.ddb.get_item(**rq.get_merged_into(self.table, current)).get("Item") or {}
            survivor = got.get("merged_into", {}).get("S")
            if not survivor:
                break
            moved += self.move_timeline(current, survivor)
            current = survivor
        return moved

    def _move_batch(self, items: list[dict[str, Any]], to_customer: str) -> int:
        puts = [{**item, "pk": {"S": TableKeys.customer_pk(to_customer)}} for item in items]
        self.write_items(puts)
        self.write_items([], [{"pk": item["pk"], "sk": item["sk"]} for item in items])
        return len(items)
