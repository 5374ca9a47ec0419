"""The diff-based sync: recompute segments → diff against what each destination last got → push only changes.

The incremental path (one ProfileChanged per SQS record) and the scheduled full sync call
the same `Syncer.sync`, so they cannot disagree. Per call: one BatchGetItem for the
states of every customer in the batch, one `Destination.apply` per destination (Mailchimp
batches up to 500 members per request), one version-guarded PutItem per state that changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeysync.destinations.base import Destination
from journeysync.destinations.model import (
    OK,
    Change,
    ContactState,
    Outcome,
    desired_for,
    plan,
    state_after,
)
from journeysync.destinations.state import SyncStateStore
from journeysync.models.changes import ProfileChanged, customer_from_snapshot
from journeysync.models.customer import Customer
from journeysync.segments.engine import SegmentEngine
from journeysync.store import requests as rq
from journeysync.store.profiles import ProfileStore

_SEVERITY = {"ok": 0, "refused": 1, "fatal": 2, "retriable": 3}


@dataclass(frozen=True)
class SyncInput:
    key: str  # what a failure is reported against (an SQS message id, or the customer id)
    customer: Customer
    forgotten: bool = False
    merged: bool = False


def input_from_change(key: str, change: ProfileChanged) -> SyncInput:
    customer = customer_from_snapshot(change.after)
    customer.header.version = change.version  # the snapshot's header is the stored one; be explicit
    return SyncInput(key, customer, forgotten=change.forgotten, merged=change.merged_into is not None)


@dataclass
class SyncReport:
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # per SyncInput.key, worst destination first
    changes: Counter[str] = field(default_factory=Counter)  # per destination
    audience_changes: Counter[str] = field(default_factory=Counter)  # "ses:+members", "mailchimp:-Dino not booked"
    skipped: Counter[str] = field(default_factory=Counter)  # "superseded", "unchanged"
    refused: int = 0
    suppressions: int = 0
    deletes: int = 0

    def merge(self, other: SyncReport) -> None:
        self.outcomes.update(other.outcomes)
        self.changes.update(other.changes)
        self.audience_changes.update(other.audience_changes)
        self.skipped.update(other.skipped)
        self.refused += other.refused
        self.suppressions += other.suppressions
        self.deletes += other.deletes

    @property
    def failed(self) -> dict[str, Outcome]:
        return {k: o for k, o in self.outcomes.items() if o.failed}


class Syncer:
    def __init__(
        self,
        engine: SegmentEngine,
        destinations: Sequence[Destination],
        states: SyncStateStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.destinations = list(destinations)
        self.states = states
        self.clock = clock

    @property
    def destination_names(self) -> list[str]:
        return [d.name for d in self.destinations]

    def sync(
        self, inputs: Iterable[SyncInput], *, bump_unchanged: bool = True, read_profiles: bool = True
    ) -> SyncReport:
        """Sync `inputs`; with `read_profiles` the current stored profile replaces an older snapshot.

        Reading the profile (in the same BatchGetItem as the states) makes the result independent
        of delivery order: an event delivered late can never push what a newer commit undid —
        e.g. a subscribed snapshot arriving after the customer unsubscribed.
        """
        report = SyncReport()
        latest = self._latest_per_customer(inputs, report)
        if not latest:
            return report
        names = self.destination_names
        states, profiles = self.states.load(latest, names, with_profiles=read_profiles)
        _prefer_stored(latest, profiles, self.states.full_profile)
        now = self.clock()
        per_customer: dict[str, list[Outcome]] = {cid: [] for cid in latest}
        for destination in self.destinations:
            changes: list[Change] = []
            for cid, item in latest.items():
                state = states.get((cid, destination.name))
                if item.merged:
                    if state is not None and state.email:  # the survivor owns the contact now; forget our claim
                        self.states.put(ContactState(cid, destination.name, item.customer.header.version))
                    continue
                segments = self.engine.evaluate(item.customer, now)
                desired = desired_for(
                    item.customer, self.engine.audiences(segments, destination.name), forgotten=item.forgotten
                )
                change = plan(destination.name, desired, state)
                if change is None:
                    report.skipped["unchanged"] += 1
                    if bump_unchanged and state is not None and not state.forgotten and desired.version > state.version:
                        self.states.bump(cid, destination.name, desired.version)
                    continue
                changes.append(change)
            outcomes = destination.apply(changes) if changes else {}
            for change in changes:
                outcome = outcomes.get(change.customer_id, Outcome("retriable", "no outcome"))
                per_customer[change.customer_id].append(outcome)
                if outcome.failed:
                    continue
                self.states.put(state_after(change, outcome))
                self._count(report, destination.name, change, outcome)
        for cid, item in latest.items():
            worst = max(per_customer[cid], key=lambda o: _SEVERITY[o.status], default=OK)
            report.outcomes[item.key] = worst
        return report

    def _latest_per_customer(self, inputs: Iterable[SyncInput], report: SyncReport) -> dict[str, SyncInput]:
        latest: dict[str, SyncInput] = {}
        for item in inputs:
            cid = item.customer.customer_id
            seen = latest.get(cid)
            if seen is None or _rank(item) > _rank(seen):
                if seen is not None:
                    report.outcomes[seen.key] = OK
                    report.skipped["superseded"] += 1
                latest[cid] = item
            else:
                report.outcomes[item.key] = OK
                report.skipped["superseded"] += 1
        return latest

    @staticmethod
    def _count(report: SyncReport, destination: str, change: Change, outcome: Outcome) -> None:
        report.changes[destination] += 1
        if outcome.status == "refused":
            report.refused += 1
        if change.op == "delete":
            report.deletes += 1
            return
        if change.desired.suppressed and not (change.previous and change.previous.suppressed):
            report.suppressions += 1
        for audience in change.added:
            report.audience_changes[f"{destination}:+{audience}"] += 1
        for audience in change.removed:
            report.audience_changes[f"{destination}:-{audience}"] += 1


def _prefer_stored(
    latest: dict[str, SyncInput], profiles: dict[str, Customer], full: Callable[[str], Customer | None]
) -> None:
    """Replace each snapshot by the stored profile when the store is newer (or a tombstone).

    `profiles` holds hot `P` items only (what one BatchGetItem with the states returns); a newer
    one is read whole (`full`) — rare: it takes a commit between the ProfileChanged and now."""
    for cid, item in list(latest.items()):
        stored = profiles.get(cid)
        if stored is None or item.forgotten:
            continue
        newer = stored.header.version > item.customer.header.version
        if newer or stored.is_tombstone or stored.header.forgotten:
            if newer and not stored.is_tombstone:
                stored = full(cid) or stored
            latest[cid] = SyncInput(
                item.key, stored, forgotten=stored.header.forgotten, merged=stored.is_tombstone or item.merged
            )


def _rank(item: SyncInput) -> tuple[int, int]:
    return (1 if item.forgotten else 0, item.customer.header.version)


# ---------------------------------------------------------------------------- full sync


def scan_pages(
    ddb: Any, table: str, cursor: dict[str, Any] | None, page_size: int
) -> Iterator[tuple[list[Customer], Any]]:
    """Profiles page by page with the cursor after each page (None after the last)."""
    request = rq.scan_profiles(table, page_size=page_size)
    if cursor:
        request["ExclusiveStartKey"] = cursor
    while True:
        page = ddb.scan(**request)
        store = ProfileStore(table, client=ddb)
        customers = [
            c for c in (store.from_scanned(i) for i in page.get("Items", [])) if c is not None
        ]
        last = page.get("LastEvaluatedKey")
        yield [c for c in customers if not c.is_tombstone], last
        if not last:
            return
        request = {**request, "ExclusiveStartKey": last}


def full_sync(
    syncer: Syncer,
    ddb: Any,
    table: str,
    *,
    remaining_seconds: Callable[[], float],
    page_size: int = 500,
    min_interval_hours: float = 20.0,
    margin_seconds: float = 30.0,
) -> dict[str, Any]:
    """Diff every profile against every destination; resumable (progress is saved after each page).

    A pass that runs out of time saves its cursor and the next invocation continues it; a new
    pass starts only when the last one completed more than `min_interval_hours` ago.
    """
    progress = syncer.states.progress()
    now = syncer.clock()
    cursor = progress.get("cursor")
    if cursor is None and progress.get("completed_at"):
        done = datetime.fromisoformat(progress["completed_at"])
        if (now - done).total_seconds() < min_interval_hours * 3600:
            return {"skipped": True, "completed_at": progress["completed_at"]}
    started = progress.get("started_at") if cursor else now.isoformat()
    report = SyncReport()
    customers = 0
    complete = False
    for page, last in scan_pages(ddb, table, cursor, page_size):
        report.merge(
            syncer.sync([SyncInput(c.customer_id, c) for c in page], bump_unchanged=False, read_profiles=False)
        )
        customers += len(page)
        cursor = last
        syncer.states.save_progress(
            {"cursor": cursor, "started_at": started, "completed_at": progress.get("completed_at")}
        )
        if last is None:
            complete = True
            break
        if remaining_seconds() < margin_seconds:
            break
    if complete:
        syncer.states.save_progress({"cursor": None, "started_at": started, "completed_at": now.isoformat()})
    return {
        "complete": complete,
        "customers": customers,
        "changes": dict(report.changes),
        "failed": len(report.failed),
        "refused": report.refused,
        "audience_changes": dict(report.audience_changes),
    }
