"""The pos_to_crm batch: SQS FIFO records → folded per customer → one write per customer → ProfileChanged.

Per batch of up to 10 records the AWS requests are: one BatchGetItem for the identity
keys (and erasure markers), one partition Query per customer touched (plus one for its
journey-entry window), then per changed customer its new or changed fact items, one
BatchWriteItem of timeline items and one version-checked PutItem of the hot `P` item
(plus a claim per *new* key and the merge work when keys link customers), and one
PutEvents for the changes. `bench/bench_pos_to_crm.py` counts them.

Exactly once without an idempotency record per event: facts are keyed by their natural
key and the fold is idempotent, so a redelivered event folds to the same state and writes
nothing. `P` remembers tags of the events its last write applied; a redelivered one of
those re-publishes a resync ProfileChanged (before = None), so a crash between the write
and PutEvents still publishes — at least once, never lost.

Ordering and failure: Powertools' `SqsFifoPartialProcessor(skip_group_on_error=True)`
processes records in order and, when one fails, fails only the rest of *its* message
group (one customer's events stay in order; nobody else waits). A record that can never
succeed (not a CustomerEvent) is sent to the dead-letter queue with the reason and
acknowledged. The writes, the timeline and ProfileChanged come once per batch after the
fold; if they fail the whole batch is retried (and folds to the same state).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeysync.clock import future_time_error
from journeysync.config.loader import AppConfig
from journeysync.errors import BadInputError
from journeysync.models.changes import ProfileChanged
from journeysync.models.events import CustomerEvent
from journeysync.models.validation import parse_json_model
from journeysync.profile.fold import FoldContext, derive, same_state
from journeysync.profile.journeys import positions
from journeysync.profile.publish import Publisher, profile_changed
from journeysync.profile.resolve import Outcome, ProfileEngine
from journeysync.store.budget import ItemTooLargeError
from journeysync.store.profiles import ProfileStore


@dataclass
class Deps:
    """What the hop talks to; handlers build it from settings, tests hand in their own."""

    store: ProfileStore
    config: AppConfig
    publisher: Publisher
    dlq_url: str | None = None
    sqs: Any | None = None
    archive_bucket: str | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass
class BatchReport:
    response: dict[str, Any]
    outcomes: list[Outcome] = field(default_factory=list)
    replayed: int = 0
    dead_lettered: int = 0
    published: int = 0
    failed: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def merges(self) -> int:
        return sum(len(o.merged) for o in self.outcomes)


def process_events(
    event: dict[str, Any],
    context: Any,
    deps: Deps,
    on_outcome: Callable[[CustomerEvent, Outcome], None] | None = None,
) -> BatchReport:
    """Apply an SQS batch of CustomerEvents; the report's `response` is the Lambda reply (batchItemFailures).

    Settled by `journeysync.batch` as a FIFO batch: an event that can never apply (not a
    CustomerEvent, future-dated, over the item budget) is dead-lettered alone; any other failure
    fails it and the rest of its message group, which keeps each customer's order."""
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from journeysync.batch import OK, Verdict, dead, settle

    records = event.get("Records") or []
    parsed: dict[str, CustomerEvent] = {}
    invalid: dict[str, str] = {}
    for raw in records:
        try:
            ev = parse_json_model(CustomerEvent, raw.get("body") or "")
        except BadInputError as exc:
            invalid[raw["messageId"]] = f"not a CustomerEvent: {exc}"
            continue
        if (ahead := future_time_error(ev.time, deps.now())) is not None:
            invalid[raw["messageId"]] = ahead  # it must not reach the fold (it would outvote every real act)
            continue
        parsed[raw["messageId"]] = ev
    engine = ProfileEngine(deps.store, deps.config, deps.now, deps.archive_bucket)
    engine.prefetch(parsed.values())
    fresh: dict[str, Outcome] = {}

    def verdict_of(record: SQSRecord) -> Verdict:
        if record.message_id in invalid:
            return dead(invalid[record.message_id])
        ev = parsed[record.message_id]
        try:
            outcome = engine.apply(ev)
        except ItemTooLargeError as exc:  # permanent: park it now rather than block the group until redrive
            return dead(str(exc))
        fresh[ev.id] = outcome
        if on_outcome is not None:
            on_outcome(ev, outcome)
        return OK

    settled = settle(event, context, verdict_of, dlq_url=deps.dlq_url, hop="pos_to_crm", fifo=True, sqs=deps.sqs)
    report = BatchReport(response=settled.response, dead_lettered=settled.dead, failed=settled.failed)
    report.outcomes = list(fresh.values())
    changes = [c for o in fresh.values() for c in o.changes]
    report.replayed = engine.replayed
    changes += engine.flush_records()
    report.published = deps.publisher.publish(changes) if changes else 0
    return report


# ----------------------------------------------------------------------------- the time-driven sweep


@dataclass
class SweepReport:
    scanned: int = 0
    changed: int = 0
    conflicts: int = 0
    published: int = 0
    moves: dict[str, int] = field(default_factory=dict)


def sweep(deps: Deps, segment: int = 0, total_segments: int = 1,
          time_left: Callable[[], float] | None = None, full: bool = False) -> SweepReport:
    """Re-derive every profile a time threshold has passed for (renewal due, lapsed, expired, a checkout
    abandoned), and publish.

    It reads only the profiles whose `due` time came (a Query of the due index), not the table; a
    profile whose due time came with nothing to change (an event moved its threshold on) gets its
    next one. `full` scans every profile instead and gives each its due time: once, after an upgrade
    from a version that did not keep one."""
    from journeysync.errors import VersionConflictError
    from journeysync.profile.due import is_due, next_due

    report = SweepReport()
    changes: list[ProfileChanged] = []
    now = deps.now()
    ctx = FoldContext(deps.config, now)
    found = (deps.store.iter_customers(segment, total_segments) if full
             else deps.store.iter_due(now, segment, total_segments))
    for customer in found:
        report.scanned += 1
        if time_left is not None and time_left() < 3.0:
            break
        after = derive(customer.model_copy(deep=True), ctx) if is_due(customer, deps.config, now) else customer
        if same_state(customer, after):
            deps.store.set_due(customer, next_due(customer, deps.config, now))
            continue
        try:
            saved = deps.store.save(after, customer.header.version, acting_at=now)
        except VersionConflictError:
            report.conflicts += 1  # an event got there first; it derived the same thing
            continue
        report.changed += 1
        for name, position in saved.journeys.items():
            old = customer.journeys.get(name)
            if old is None or old.stage != position.stage:
                key = f"{name}.{position.stage}"
                report.moves[key] = report.moves.get(key, 0) + 1
        changes.append(profile_changed(customer, saved))
        if len(changes) >= 50:
            report.published += deps.publisher.publish(changes)
            changes = []
    if changes:
        report.published += deps.publisher.publish(changes)
    return report


__all__ = ["BatchReport", "Deps", "SweepReport", "positions", "process_events", "sweep"]
