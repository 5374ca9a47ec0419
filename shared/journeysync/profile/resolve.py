"""Identity resolution, merge and the version-checked commit of one event, through the ProfileStore.

`ProfileEngine` serves one batch: `prefetch` reads every identity key the batch names in
one BatchGetItem and each profile it touches (one partition Query each), then `apply`
resolves one event at a time and folds it into the cached customer; `flush` writes each
changed customer once (one `P` write per customer per batch, whatever the number of its
events). The cache is only a shortcut: a stale owner shows up as an `IdentityConflictError`
on claim (→ merge), a stale profile as a `VersionConflictError` on save (→ re-read and
re-fold the customer's events of the batch: the fold is idempotent), so concurrent batches
stay correct and a redelivered batch changes nothing.

Resolution of an event's keys (email, E.164 phone, vendor ids; `previous_email` of a
`customer.updated` too):

- no key → anonymous: recorded per day, no profile;
- a key erased by `forget` at or after the event's time → dropped (a late replay never
  resurrects an erased person);
- each key's provenance decides what it may do (`profile.trust`, `identity.yaml`): claim a
  key nobody holds, link the event to the profile holding it, or merge a second profile;
  a key allowed none of these is kept on the event as an unverified claim;
- no key known → a new customer (id derived from the event id, so a retry reuses it);
- one customer → unknown claimable keys join it (conditional claims);
- several customers through merge-level keys → merged: the earliest created survives and
  absorbs the others (the same `join` as the fold), their keys and timelines move, each
  becomes a tombstone with `merged_into`, and an audit record (with the bridging keys'
  digests and trust levels) lands in the survivor's partition;
- only untrusted keys that lead nowhere → recorded as anonymous (no profile).
"""

from __future__ import annotations

import hashlib
import time as _time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from journeysync.config.loader import AppConfig
from journeysync.errors import IdentityConflictError, RetriableError, VersionConflictError
from journeysync.identity import IdentityKey, normalise_email
from journeysync.models.changes import ProfileChanged
from journeysync.models.customer import Customer, PlatformHeader
from journeysync.models.events import CustomerEvent, CustomerUpdated
from journeysync.profile.fold import FoldContext, apply_event, earliest, join, new_customer, same_state
from journeysync.profile.publish import profile_changed
from journeysync.profile.trust import Admission, admit
from journeysync.store import requests as rq
from journeysync.store.layout import check_budget, entries_by_event
from journeysync.store.profiles import ProfileStore, event_key_strings
from journeysync.store.timeline import timeline_item

_CUSTOMER_NS = uuid.UUID("0b6a8f0e-2f9d-4c5e-8a59-9d7c3f1e2a10")
ANONYMOUS_TTL_DAYS = 90
COMMIT_ATTEMPTS = 8

Status = Literal["applied", "unchanged", "anonymous", "suppressed", "forgotten"]


@dataclass
class Outcome:
    """What applying one event did (PII-free: what the handler logs and the idempotency record keeps)."""

    event_id: str
    status: Status
    customer_id: str | None = None
    merged: list[str] = field(default_factory=list)
    changes: list[ProfileChanged] = field(default_factory=list)

    def record(self) -> dict[str, object]:
        return {"event_id": self.event_id, "status": self.status, "customer_id": self.customer_id,
                "merged": self.merged}


def event_keys(event: CustomerEvent) -> list[IdentityKey]:
    """Every identity key an event names, best first (a changed email's previous address included)."""
    keys = event.identity.keys()
    if isinstance(event.data, CustomerUpdated) and event.data.previous_email:
        try:
            previous = IdentityKey("email", normalise_email(event.data.previous_email))
        except ValueError:
            previous = None
        if previous is not None and previous not in keys:
            keys.append(previous)
    return keys


def customer_keys(customer: Customer) -> list[IdentityKey]:
    ident = customer.identity
    keys = [IdentityKey("email", e) for e in ident.emails] + [IdentityKey("phone", p) for p in ident.phones]
    return keys + [IdentityKey("ext", v, s) for s, v in sorted(ident.external.items())]


def _bridges(event: CustomerEvent, loser: Customer) -> list[dict[str, str]]:
    """The event's keys that pointed at the merged-away profile, as digests with their trust level."""
    held = set(customer_keys(loser))
    named = event.identity.keys()
    return [{"key": k.digest(), "level": event.identity.level(k)} for k in named if k in held]


def new_customer_id(event: CustomerEvent) -> str:
    return uuid.uuid5(_CUSTOMER_NS, event.id).hex


class ProfileEngine:
    def __init__(
        self,
        store: ProfileStore,
        config: AppConfig,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        archive_bucket: str | None = None,
    ) -> None:
        self.archive_bucket = archive_bucket
        self.store = store
        self.config = config
        self.now = now
        self.owners: dict[IdentityKey, str] = {}
        self.forgotten: dict[IdentityKey, datetime] = {}
        self.customers: dict[str, Customer] = {}
        self.timeline: list[tuple[str, CustomerEvent]] = []  # events that changed nothing (written as-is)
        self.anonymous: list[CustomerEvent] = []
        self.pending: dict[str, list[CustomerEvent]] = {}  # customer id → events folded in, not yet written
        self.loaded: dict[str, Customer | None] = {}  # customer id → as read, before this batch's events
        self.replayed = 0  # events of this batch an earlier delivery already wrote
        self.resync: set[str] = set()  # customers whose last write a redelivered event of this batch made
        self._looked_up: set[IdentityKey] = set()
        self._new: set[str] = set()  # ids minted here: known absent (a stale guess fails the create, then re-reads)

    def ctx(self) -> FoldContext:
        return FoldContext(self.config, self.now())

    # ------------------------------------------------------------------ reads through the cache
    def prefetch(self, events: Iterable[CustomerEvent]) -> None:
        """Read every key and profile these events touch: one BatchGetItem each (per 50 keys / 100 profiles)."""
        keys = [k for e in events for k in event_keys(e)]
        self._lookup(keys)
        wanted = set(self.owners.values()) - set(self.customers)
        for _ in range(5):  # follow tombstones a few hops
            if not wanted:
                break
            got = self.store.get_many(sorted(wanted))
            self.customers.update(got)
            wanted = {c.header.merged_into for c in got.values() if c.header.merged_into} - set(self.customers)

    def _lookup(self, keys: list[IdentityKey]) -> None:
        missing = [k for k in dict.fromkeys(keys) if k not in self._looked_up]
        if not missing:
            return
        owners, forgotten = self.store.lookup(missing)
        self.owners.update(owners)
        self.forgotten.update(forgotten)
        self._looked_up.update(missing)

    def _get(self, customer_id: str, fresh: bool = False) -> Customer | None:
        if not fresh and customer_id in self._new and customer_id not in self.customers:
            return None
        if fresh or customer_id not in self.customers:
            customer = self.store.get(customer_id, consistent=fresh)
            if customer is None:
                self.customers.pop(customer_id, None)
                return None
            self.customers[customer_id] = customer
        return self.customers[customer_id]

    def live(self, customer_id: str, fresh: bool = False) -> Customer | None:
        """The customer, following tombstones to the survivor."""
        customer = self._get(customer_id, fresh)
        for _ in range(5):
            if customer is None or not customer.header.merged_into:
                return customer
            customer = self._get(customer.header.merged_into, fresh)
        return customer

    # ------------------------------------------------------------------ one event
    def apply(self, event: CustomerEvent) -> Outcome:
        keys = event_keys(event)
        if not keys:
            self.anonymous.append(event)
            return Outcome(event.id, "anonymous")
        self._lookup(keys)
        if any(event.time <= self.forgotten[k] for k in keys if k in self.forgotten):
            return Outcome(event.id, "suppressed")
        outcome = Outcome(event.id, "unchanged")
        admission = admit(event, keys, self.config.identity)
        if event.type == "customer.forgotten":
            return self._forget(event, list(admission.link), outcome)
        resolved = self._resolve(event, admission, outcome)
        if resolved is None:  # only untrusted keys, each held by someone else or not claimable
            self.anonymous.append(event)
            outcome.status = "anonymous"
            return outcome
        event = self._with_provenance(event, keys, resolved)
        self._fold(resolved, event, outcome)
        return outcome

    def _with_provenance(self, event: CustomerEvent, keys: list[IdentityKey], customer_id: str) -> CustomerEvent:
        """The event as the profile keeps it: only the keys its profile holds; the rest as unverified claims."""
        held = {k for k in keys if self._holder(k) == customer_id}
        unverified = tuple(str(k) for k in keys if k not in held)
        if not unverified:
            return event
        return event.model_copy(update={"identity": event.identity.only(held), "unverified": unverified})

    def _holder(self, key: IdentityKey) -> str | None:
        owner = self.owners.get(key)
        if owner is None:
            return None
        customer = self.live(owner)
        return customer.customer_id if customer is not None else owner

    def _forget(self, event: CustomerEvent, keys: list[IdentityKey], outcome: Outcome) -> Outcome:
        """A `customer.forgotten` event erases every customer its keys resolve to (and never creates one)."""
        from journeysync.profile.forget import forget_customer

        targets = {c.customer_id for k in keys if k in self.owners and (c := self.live(self.owners[k])) is not None}
        for customer_id in sorted(targets):
            report = forget_customer(
                self.store, customer_id, cause=event, archive_bucket=self.archive_bucket, now=self.now()
            )
            if report.change is not None:
                outcome.changes.append(report.change)
            self.customers.pop(customer_id, None)
            for key, owner in list(self.owners.items()):
                if owner == customer_id:
                    del self.owners[key]
                    self.forgotten[key] = self.now()
            outcome.customer_id = customer_id
        self.timeline = [(c, e) for c, e in self.timeline if c not in targets]
        outcome.status = "forgotten"
        return outcome

    def _resolve(self, event: CustomerEvent, admission: Admission, outcome: Outcome) -> str | None:
        """The customer the event belongs to: merge-level keys may join several, link-level keys pick one."""
        linked: list[str] = []
        mergeable: list[str] = []
        claimed_not_created: list[str] = []
        for key in admission.link:  # most trusted first
            owner = self.owners.get(key)
            if owner is None:
                continue
            customer = self.live(owner)
            if customer is None:
                claimed_not_created.append(owner)  # a crash between claiming keys and creating the profile
                continue
            if customer.customer_id not in linked:
                linked.append(customer.customer_id)
            if key in admission.merge and customer.customer_id not in mergeable:
                mergeable.append(customer.customer_id)
        if len(mergeable) > 1:
            customer_id = self._merge(mergeable, event, outcome)
        elif mergeable or linked:
            customer_id = (mergeable or linked)[0]
        elif claimed_not_created:
            customer_id = claimed_not_created[0]
        elif any(k not in self.owners for k in admission.claim):
            customer_id = self._mint(event)
        else:
            return None
        return self._claim(admission, customer_id, event, outcome)

    def _mint(self, event: CustomerEvent) -> str:
        customer_id = new_customer_id(event)
        self._new.add(customer_id)
        return customer_id

    def _claim(self, admission: Admission, customer_id: str, event: CustomerEvent, outcome: Outcome) -> str:
        """Give the event's claimable keys to `customer_id`; a merge-level key someone else got first merges.

        A key below the merge level that another profile holds stays with that profile: the
        event records it as an unverified claim instead.
        """
        for key in admission.claim:
            owner = self.owners.get(key)
            if owner == customer_id:
                continue
            if owner is not None:
                holder = self.live(owner)
                if holder is not None and holder.customer_id == customer_id:
                    self.store.move_key(key, owner, customer_id)  # tidy: a merged-away owner
                    self.owners[key] = customer_id
                    continue
                if holder is not None and key not in admission.merge:
                    continue
            try:
                self.store.claim_key(key, customer_id)
                self.owners[key] = customer_id
            except IdentityConflictError as exc:
                self.owners[key] = exc.owner
                other = self.live(exc.owner, fresh=True)
                if other is None and key in admission.merge and self._get(customer_id) is None:
                    # a concurrent batch claimed it first and has not written its profile yet (or died
                    # between claim and create): one person, so both write the owner's profile and the
                    # version check orders the two writes
                    customer_id = exc.owner
                    continue
                if other is None or other.customer_id == customer_id or key not in admission.merge:
                    continue
                if self._get(customer_id) is None:
                    customer_id = other.customer_id  # ours did not exist yet: join theirs
                else:
                    customer_id = self._merge([customer_id, other.customer_id], event, outcome)
        return customer_id

    # ------------------------------------------------------------------ fold, then one write per customer
    def _fold(self, customer_id: str, event: CustomerEvent, outcome: Outcome) -> None:
        current = self.live(customer_id)
        if current is not None and current.customer_id != customer_id:
            customer_id = current.customer_id  # merged away meanwhile
        ctx = self.ctx()
        base = current or new_customer(customer_id, ctx)
        after = apply_event(base, event, ctx)
        check_budget(after)  # too large to write: refused here, so this one event is dead-lettered, not the batch
        outcome.customer_id = customer_id
        if current is not None and same_state(current, after):
            if event_tag(event.id) in current.header.recent:
                self.replayed += 1
                self.resync.add(customer_id)  # redelivered after its write: publish again, at least once
            self.timeline.append((customer_id, event))
            return
        if customer_id not in self.pending:
            self.loaded[customer_id] = current
            self.pending[customer_id] = []
        self.pending[customer_id].append(event)
        self.customers[customer_id] = after
        outcome.status = "applied"

    def flush(self) -> list[ProfileChanged]:
        """Write every customer this batch changed, once each; the ProfileChanged of each write."""
        changes: list[ProfileChanged] = []
        for customer_id in list(self.pending):
            changes += self._write(customer_id)
        for customer_id in sorted(self.resync - set(self.pending)):
            customer = self.live(customer_id)
            if customer is not None and not customer.is_tombstone:
                changes.append(profile_changed(None, customer))
        self.resync.clear()
        return changes

    def _write(self, customer_id: str) -> list[ProfileChanged]:
        events = self.pending.pop(customer_id, [])
        before = self.loaded.pop(customer_id, None)
        if not events:
            return []
        after = self.customers[customer_id]
        for attempt in range(COMMIT_ATTEMPTS):
            version = before.header.version if before is not None else 0
            after.header.recent = [event_tag(e.id) for e in events]
            try:
                saved = self.store.save(after, version, events)
            except VersionConflictError:
                _time.sleep(min(0.2, 0.005 * 2**attempt))
                before = self.live(customer_id, fresh=True)
                if before is not None and before.customer_id != customer_id:
                    self.pending[before.customer_id] = self.pending.get(before.customer_id, []) + events
                    self.loaded.setdefault(before.customer_id, before)
                    self.customers[before.customer_id] = self._refold(before, events)
                    return self._write(before.customer_id)
                after = self._refold(before or new_customer(customer_id, self.ctx()), events)
                if before is not None and same_state(before, after):
                    return []  # a concurrent writer already holds all of it
                continue
            self.customers[customer_id] = saved
            return [profile_changed(before, saved, events)]
        raise RetriableError(f"profile {customer_id} kept changing under us")

    def _refold(self, base: Customer, events: list[CustomerEvent]) -> Customer:
        ctx = self.ctx()
        for event in events:
            base = apply_event(base, event, ctx)
        return base

    # ------------------------------------------------------------------ merge
    def _merge(self, customer_ids: list[str], event: CustomerEvent, outcome: Outcome) -> str:
        customers = [c for c in (self.live(i) for i in customer_ids) if c is not None]
        survivor = earliest(customers)
        for loser in customers:
            if loser.customer_id != survivor.customer_id:
                self._merge_pair(survivor.customer_id, loser.customer_id, event, outcome)
                outcome.merged.append(loser.customer_id)
        return survivor.customer_id

    def _merge_pair(self, survivor_id: str, loser_id: str, event: CustomerEvent, outcome: Outcome) -> None:
        for attempt in range(COMMIT_ATTEMPTS):
            survivor = self._get(survivor_id, fresh=attempt > 0)
            loser = self._get(loser_id, fresh=attempt > 0)
            if survivor is None or loser is None or loser.header.merged_into:
                return
            if attempt > 0:  # re-read: fold this batch's events for them in again
                survivor = self._refold(survivor, self.pending.get(survivor_id, []))
                loser = self._refold(loser, self.pending.get(loser_id, []))
            ctx = self.ctx()
            absorbed = join(survivor, loser, ctx)
            pending = self.pending.get(survivor_id, []) + self.pending.get(loser_id, [])
            try:
                saved = self.store.save(absorbed, survivor.header.version, pending)
            except VersionConflictError:
                continue
            self.pending.pop(survivor_id, None)
            self.pending.pop(loser_id, None)
            self.customers[survivor_id] = saved
            outcome.changes.append(profile_changed(self.loaded.pop(survivor_id, survivor), saved, [event, *pending]))
            moved_keys = 0
            for key in customer_keys(loser):
                if self.store.move_key(key, loser_id, survivor_id):
                    moved_keys += 1
                self.owners[key] = survivor_id
            tomb = Customer(
                customer_id=loser_id,
                header=PlatformHeader(
                    created_at=loser.header.created_at, version=loser.header.version, merged_into=survivor_id
                ),
            )
            stored_loser = self.loaded.pop(loser_id, loser)
            try:
                tombstone = self.store.save(tomb, loser.header.version)
            except VersionConflictError:
                continue  # the loser changed meanwhile: absorb again (join is idempotent)
            self.customers[loser_id] = tombstone
            outcome.changes.append(profile_changed(stored_loser, tombstone, [event]))
            moved = self.store.move_timeline(loser_id, survivor_id)
            self.store.audit(
                survivor_id,
                "merge",
                {"survivor": survivor_id, "merged": loser_id, "event_id": event.id, "source": event.source,
                 "keys_moved": moved_keys, "timeline_moved": moved, "via": _bridges(event, loser)},
            )
            return
        raise RetriableError(f"merge of {loser_id} into {survivor_id} kept conflicting")

    # ------------------------------------------------------------------ batch end
    def flush_records(self) -> list[ProfileChanged]:
        """Write the changed customers, then the timeline items of events that changed nothing and anonymous records.

        Returns the ProfileChanged of the writes (the caller publishes them)."""
        written = {e.id for events in self.pending.values() for e in events}
        changes = self.flush()
        items = []
        targets: set[str] = set()  # customers given a timeline item outside a version-checked write
        for customer_id, event in self.timeline:
            if event.id in written:
                continue  # its timeline item came with the customer's write
            target = self.live(customer_id)
            targets.add(target.customer_id if target else customer_id)
            made = entries_by_event(target).get(event.id, (None, []))[1] if target else []
            items.append(timeline_item(target.customer_id if target else customer_id, event,
                                       event_key_strings(event), made))
        expires = int((self.now() + timedelta(days=ANONYMOUS_TTL_DAYS)).timestamp())
        items += [rq.anonymous_item(e, expires) for e in self.anonymous]
        if items:
            self.store.write_items(items)
            for customer_id in sorted(targets):
                self.store.settle_timeline(customer_id)
        self.timeline.clear()
        self.anonymous.clear()
        return changes


def event_tag(event_id: str) -> str:
    """A short tag of an event id, kept in `P` for the events of its last write (redelivery → resync)."""
    return hashlib.sha256(event_id.encode()).hexdigest()[:10]
