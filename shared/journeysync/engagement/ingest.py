"""Signals → members' engagement state, and complaints / hard bounces → consent facts.

A complaint or a hard bounce is not just a counter: it becomes a `consent.changed` event
(`complained` / `cleaned`, explicit, with the platform's own time) on the FIFO events queue,
the one door into the profile. The profile hop folds it into the consent ledger, and
crm_to_email then suppresses the address at every destination; no later import or sync can
resubscribe it (only the member's own newer opt-in could). The event id is stable per
message and address, so a redelivered SES event is deduplicated downstream.

Signals for an address no customer owns still produce the consent fact (someone else may
have created the contact) but no engagement state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeysync.config.engagement import EngagementConfig
from journeysync.engagement.fold import apply_signals
from journeysync.engagement.model import EngagementState
from journeysync.engagement.signals import Signal
from journeysync.engagement.store import EngagementStore, Mutation
from journeysync.identity import IdentityKey
from journeysync.models.events import ConsentChanged, CustomerEvent, IdentityKeys

SendEvents = Callable[[Sequence[CustomerEvent]], Any]


@dataclass
class IngestReport:
    signals: int = 0
    members_updated: int = 0
    unknown_addresses: int = 0
    consent_events: list[str] = field(default_factory=list)
    best_hours: dict[str, int | None] = field(default_factory=dict)


def consent_event(signal: Signal) -> CustomerEvent:
    """`consent.changed` for a complaint (`complained`) or a hard bounce (`cleaned`)."""
    status = "complained" if signal.kind == "complaint" else "cleaned"
    what = "complaint" if signal.kind == "complaint" else "hard bounce"
    return CustomerEvent.create(
        source=f"{signal.source}.engagement",
        vendor_event_id=f"{signal.kind}:{signal.message}",
        part=signal.email,
        time=signal.at,
        data=ConsentChanged(status=status, explicit=True, reason=f"{signal.source} {what}"),
        identity=IdentityKeys(emails=(signal.email,)),
    )


def _applier(signals: list[Signal], config: EngagementConfig, now: datetime, earlier: Mutation | None) -> Mutation:
    def apply(state: EngagementState) -> bool:
        changed = earlier(state) if earlier is not None else False
        return apply_signals(state, signals, config.zone, config.min_events_for_best_hour, now) or changed

    return apply


def ingest(
    signals: Sequence[Signal],
    *,
    owners_of: Callable[[list[IdentityKey]], dict[IdentityKey, str]],
    store: EngagementStore,
    config: EngagementConfig,
    send_events: SendEvents,
    now: datetime,
) -> IngestReport:
    """Apply `signals` (any platform, any members) and queue the consent facts they carry.

    Reads: one BatchGetItem for the owners of the addresses, one for their states; writes: one
    conditional PutItem per member touched.
    """
    report = IngestReport(signals=len(signals))
    by_email: dict[str, list[Signal]] = {}
    for s in signals:
        by_email.setdefault(s.email, []).append(s)
    consent = [consent_event(s) for s in signals if s.suppresses]
    if consent:
        send_events(consent)  # first: a failure here retries the record before anything is counted
        report.consent_events = [e.id for e in consent]
    owners = owners_of([IdentityKey("email", email) for email in by_email]) if by_email else {}
    mutations: dict[str, Mutation] = {}
    for email, mine in by_email.items():
        customer_id = owners.get(IdentityKey("email", email))
        if customer_id is None:
            report.unknown_addresses += 1
            continue
        earlier = mutations.get(customer_id)  # two addresses of one member: one write
        mutations[customer_id] = _applier(mine, config, now, earlier)
    for customer_id, state in store.update_many(mutations).items():
        report.members_updated += 1
        report.best_hours[customer_id] = state.best_send_hour
    return report
