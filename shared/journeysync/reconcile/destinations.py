"""Destinations: expected (profiles → segments) against actual (the destination's list API), then repair.

Expected comes from `ProfileStore.iter_customers` through the live sync's own `SegmentEngine` and
`desired_for`; actual from `SesDestination.iter_contacts` / `MailchimpDestination.iter_members`.
Both are streams into `diff.diff_streams`.

Repairs go through the live sync's own diff path: for a drifted customer the state item
(`C#<id>`/`D#<dest>`) is rewritten to what the destination *actually* holds, and `Syncer.sync`
then plans and pushes the one change from there to the desired contact — the same `plan()`, the
same consent rule, the same destination code. A destination-side unsubscribe the profile does
not know becomes a `consent.changed` event on the FIFO events queue (pos_to_crm folds it into the
ledger; crm_to_email then suppresses the contact everywhere); it is never overwritten. A
stranger (no profile owns the address) that would receive mail is removed through the
destination's own delete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from journeysync.destinations.base import Destination
from journeysync.destinations.model import Change, ContactState, Desired, desired_for
from journeysync.destinations.sync import Syncer, SyncInput
from journeysync.models.customer import Customer
from journeysync.models.events import ConsentChanged, CustomerEvent, IdentityKeys
from journeysync.reconcile.diff import Actual, DiffStats, Drift, Expected, diff_streams
from journeysync.reconcile.report import Report, mask_email

REPAIR_BATCH = 50
SOURCE = "journeysync.reconcile"


def expected_contact(desired: Desired, destination: str) -> Expected | None:
    """What `destination` should hold for `desired` (None: no address, so nothing there to compare)."""
    if desired.email is None or desired.forgotten:
        return None
    audiences = desired.opted_in if destination == "ses" else desired.audiences
    return Expected(
        email=desired.email.lower(),
        customer_id=desired.customer_id,
        audiences=tuple(sorted(audiences)),
        subscribed=desired.subscribed and not desired.suppressed,
        suppressed=desired.suppressed,
        must_exist=desired.subscribed or desired.suppressed,
        own_subscribe=desired.own_action == "subscribed",
    )


def expected_stream(
    customers: Iterable[Customer], syncer: Syncer, destination: str, now: datetime
) -> Iterator[Expected]:
    for customer in customers:
        if customer.is_tombstone or customer.header.forgotten:
            continue
        audiences = syncer.engine.audiences(syncer.engine.evaluate(customer, now), destination)
        found = expected_contact(desired_for(customer, audiences), destination)
        if found is not None:
            yield found


def actual_ses(contact: dict[str, Any]) -> Actual:
    opted = tuple(sorted(t for t, s in contact["topics"].items() if s == "OPT_IN"))
    unsubscribed = bool(contact["unsubscribe_all"])
    return Actual(contact["email"].lower(), opted, bool(opted) and not unsubscribed, unsubscribed, "")


def actual_mailchimp(member: dict[str, Any]) -> Actual | None:
    status = str(member.get("status") or "")
    if status == "archived":
        return None  # archived is "not on the list" for sending
    unsubscribed = status in ("unsubscribed", "cleaned")
    subscribed = status in ("subscribed", "pending")
    return Actual(member["email"].lower(), tuple(sorted(member.get("tags") or [])), subscribed, unsubscribed, status)


def actual_stream(destination: Destination) -> Iterator[Actual]:
    if destination.name == "ses":
        for contact in destination.iter_contacts():  # type: ignore[attr-defined]
            yield actual_ses(contact)
        return
    if destination.name == "mailchimp":
        for member in destination.iter_members():  # type: ignore[attr-defined]
            found = actual_mailchimp(member)
            if found is not None:
                yield found
        return
    raise ValueError(f"reconcile cannot read destination {destination.name!r}")


# ---------------------------------------------------------------------------- repair


@dataclass
class DestinationRepairer:
    """Turns drift items into repairs, a batch of customers at a time (never more in memory)."""

    syncer: Syncer
    destination: Destination
    profiles: Any  # ProfileStore
    send: Callable[[Sequence[CustomerEvent]], None]
    report: Report
    dry_run: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _pending: list[Drift] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.destination.name

    def add(self, drift: Drift) -> None:
        self._pending.append(drift)
        if len(self._pending) >= REPAIR_BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        owned = [d for d in batch if d.customer_id is not None]
        states = self.syncer.states.get_many([d.customer_id for d in owned if d.customer_id], [self.name])
        kept: list[Drift] = []
        for drift in batch:
            note = self._kept_because(drift, states.get((drift.customer_id or "", self.name)))
            if note is not None:
                self.report.uncount(self.name, drift.kind)
                self.report.info[f"{self.name}:{note}"] += 1
                continue
            self.report.example(self.name, drift.kind, _example(drift))
            kept.append(drift)
        if self.dry_run:
            return
        self._repair_extras([d for d in kept if d.kind == "extra"])
        self._pull_consent([d for d in kept if d.kind == "consent_mismatch"])
        self._resync([d for d in kept if d.kind in ("missing", "stale")], states)

    def _kept_because(self, drift: Drift, state: ContactState | None) -> str | None:
        """Why a candidate is not drift after all (the state item tells), or None.

        - a topic we opted the contact into and they opted out of at SES is their own act: the
          live sync keeps it (`SesDestination._merge`), so reconcile does too;
        - a destination that already refused our push of the customer's own explicit re-opt-in
          holds the contact unsubscribed until they re-opt-in there: pulling its old unsubscribe
          into the ledger would undo the customer's newer choice.
        """
        e, a = drift.expected, drift.actual
        if e is None or a is None or state is None:
            return None
        if drift.kind == "consent_mismatch":
            return "held_by_destination" if state.refused and e.own_subscribe else None
        if drift.kind != "stale" or self.name != "ses" or e.suppressed or a.unsubscribed:
            return None
        wanted, held = set(e.audiences), set(a.audiences)
        opted_out = wanted - held
        if held - wanted or not opted_out:
            return None
        return "topic_opt_out_kept" if opted_out <= set(state.opted_in) else None

    def _repair_extras(self, drifts: list[Drift]) -> None:
        changes = []
        for d in drifts:
            stranger = "stranger:" + hashlib.sha256(d.email.encode()).hexdigest()[:16]
            desired = Desired(stranger, 0, d.email, frozenset(), subscribed=False, suppressed=False)
            changes.append(Change(self.name, "delete", d.email, desired))
        outcomes = self.destination.apply(changes) if changes else {}
        for change in changes:
            if not outcomes[change.customer_id].failed:
                self.report.repaired_one(self.name, "extra")
            else:
                self.report.failure(self.name, "extra", outcomes[change.customer_id].reason)

    def _pull_consent(self, drifts: list[Drift]) -> None:
        now = self.clock()
        events = [consent_event(self.name, d, now) for d in drifts]
        if events:
            self.send(events)
            for _ in events:
                self.report.repaired_one(self.name, "consent_mismatch")

    def _resync(self, drifts: list[Drift], states: dict[tuple[str, str], ContactState]) -> None:
        if not drifts:
            return
        customers = self.profiles.get_many([d.customer_id for d in drifts if d.customer_id])
        inputs = []
        for d in drifts:
            customer = customers.get(d.customer_id or "")
            if customer is None or customer.is_tombstone:
                continue
            state = states.get((customer.customer_id, self.name))
            version = state.version if state is not None else customer.header.version
            self.syncer.states.put(observed_state(customer.customer_id, self.name, version, d, state))
            inputs.append(SyncInput(customer.customer_id, customer))
        result = self.syncer.sync(inputs, bump_unchanged=False, read_profiles=True)
        kinds = {d.customer_id: d.kind for d in drifts}
        for key, outcome in result.outcomes.items():
            if outcome.failed:
                self.report.failure(self.name, kinds.get(key, "stale"), outcome.reason)
            else:
                self.report.repaired_one(self.name, kinds.get(key, "stale"))


def observed_state(
    customer_id: str, destination: str, version: int, drift: Drift, state: ContactState | None
) -> ContactState:
    """The state item that says what the destination really holds, so `plan()` diffs from the truth."""
    a = drift.actual
    if a is None:
        return ContactState(customer_id, destination, version)  # no email: plan() re-creates the contact
    audiences = set(a.audiences)
    if destination == "ses" and state is not None:
        # topics the contact opted out of at SES after we opted them in stay "pushed", so the live
        # sync's merge keeps them OPT_OUT instead of turning them back on
        wanted = set(drift.expected.audiences) if drift.expected else set()
        audiences |= (wanted - audiences) & set(state.opted_in)
    base = state or ContactState(customer_id, destination, version)
    return replace(
        base,
        version=version,
        email=a.email,
        audiences=frozenset(audiences),
        subscribed=a.subscribed or (destination == "ses" and not a.unsubscribed),
        suppressed=a.unsubscribed,
        refused=False,
        forgotten=False,
        synced_at=datetime.now(UTC),
    )


def consent_event(destination: str, drift: Drift, now: datetime) -> CustomerEvent:
    """`consent.changed` for an unsubscribe (or a Mailchimp clean) seen at the destination.

    The id is stable per destination, address and day: a second run the same day before the
    fold landed sends the same event (deduplicated), and a later unsubscribe after a newer
    opt-in is a new fact.
    """
    a = drift.actual
    cleaned = a is not None and a.status == "cleaned"
    status = "cleaned" if cleaned else "unsubscribed"
    digest = hashlib.sha256(drift.email.encode()).hexdigest()[:24]
    data = ConsentChanged(
        status=status,
        explicit=not cleaned,  # an unsubscribe there is the contact's own act; a bounce is not
        reason=f"reconcile: {status} at {destination}",
    )
    return CustomerEvent.create(
        source=SOURCE,
        vendor_event_id=f"{destination}:{status}:{digest}:{now:%Y-%m-%d}",
        time=now,
        data=data,
        identity=IdentityKeys(emails=(drift.email,)),
    )


def _example(drift: Drift) -> dict[str, Any]:
    out: dict[str, Any] = {"email": mask_email(drift.email)}
    if drift.customer_id:
        out["customer_id"] = drift.customer_id
    if drift.expected is not None and drift.actual is not None:
        want, have = set(drift.expected.audiences), set(drift.actual.audiences)
        if want - have:
            out["absent"] = sorted(want - have)
        if have - want:
            out["unexpected"] = sorted(have - want)
        if drift.actual.unsubscribed != drift.expected.suppressed:
            out["destination_unsubscribed"] = drift.actual.unsubscribed
    return out


def reconcile_destination(
    syncer: Syncer,
    destination: Destination,
    customers: Iterable[Customer],
    repairer: DestinationRepairer,
    *,
    now: datetime,
    partitions: int = 64,
) -> DiffStats:
    stats = DiffStats()
    drifts = diff_streams(
        expected_stream(customers, syncer, destination.name, now),
        actual_stream(destination),
        partitions=partitions,
        check_status=destination.name == "mailchimp",
        stats=stats,
    )
    for drift in drifts:
        repairer.report.found(destination.name, drift.kind)
        repairer.add(drift)
    repairer.flush()
    for note, count in stats.info.items():
        repairer.report.info[f"{destination.name}:{note}"] += count
    repairer.report.scanned[destination.name] = {"expected": stats.expected, "actual": stats.actual}
    return stats
