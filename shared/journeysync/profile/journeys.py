"""Service journeys from configuration: which stage a customer is in, who owns the next step, and the SLA.

A journey position is *derived*, like every other profile field, from facts that join by
union: each event whose type is a stage's entry event leaves an entry fact
`j|<journey>|<stage>|<event id>` → event time in `profile.field_times`; time-driven stages
(`membership_expiring`, `membership_lapsed`, `no_visit_since`) get entries computed from
the membership terms and visits against the current time. The position is a walk over
all entries in time order:

- a journey is entered through its first stage (or an outcome stage: an imported member
  whose first known event is a renewal);
- within a cycle a customer only moves forward (a second booking does not send an
  engaged member back to *first visit*);
- after an outcome stage (renewed, lapsed) the next entry starts a new cycle.

Because the walk is a pure function of the entry set, journeys converge like the rest of
the profile. The scheduled sweep (`sweep`) re-derives positions so time-driven moves
happen without an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from journeysync.config.journeys import JourneyConfig, JourneysConfig, StageConfig
from journeysync.models.customer import Customer, JourneyPosition, StageVisit
from journeysync.models.events import CustomerEvent

if TYPE_CHECKING:
    from journeysync.profile.fold import FoldContext

ENTRY_PREFIX = "j|"
ENTRIES_CAP = 40  # entry facts kept per journey (newest)
HISTORY_CAP = 30  # stage visits kept per journey position (newest)


def entry_key(journey: str, stage: str, event_id: str) -> str:
    return f"{ENTRY_PREFIX}{journey}|{stage}|{event_id}"


def entries_for_event(event: CustomerEvent, journeys: JourneysConfig) -> list[str]:
    """The entry facts `event` contributes: one per (journey, stage) it is an entry event of."""
    return [
        entry_key(j.name, s.name, event.id) for j in journeys.journeys for s in j.stages if event.type in s.entry_events
    ]


@dataclass(frozen=True, order=True)
class Entry:
    at: datetime
    index: int
    stage: str
    event_id: str


def _time_candidates(journey: JourneyConfig, customer: Customer) -> list[Entry]:
    """Every entry time alone can make in `journey` for this customer, whenever it falls."""
    from journeysync.profile.fold import walk_terms

    _, ends = walk_terms(customer.profile.membership.terms)
    found: list[Entry] = []
    for index, stage in enumerate(journey.stages):
        if stage.entry_when == "membership_expiring":
            ahead = timedelta(days=stage.within_days or 0)
            for end in ends:
                due = end.end - ahead
                if end.renewed_at is None or end.renewed_at > due:
                    found.append(Entry(due, index, stage.name, f"time:{stage.name}:{end.end.isoformat()}"))
        elif stage.entry_when == "membership_lapsed":
            for end in ends:
                if end.final:
                    found.append(Entry(end.end, index, stage.name, f"time:{stage.name}:{end.end.isoformat()}"))
        elif stage.entry_when == "no_visit_since":
            last = customer.profile.last_visit_at
            if last is not None:
                when = last + timedelta(days=stage.within_days or 0)
                found.append(Entry(when, index, stage.name, f"time:{stage.name}:{last.isoformat()}"))
    return found


def _time_entries(journey: JourneyConfig, customer: Customer, now: datetime) -> list[Entry]:
    return [entry for entry in _time_candidates(journey, customer) if entry.at <= now]


def time_thresholds(journeys: JourneysConfig, customer: Customer) -> list[datetime]:
    """When time alone makes a journey entry for this customer (past and future): the sweep's thresholds."""
    return [entry.at for journey in journeys.journeys for entry in _time_candidates(journey, customer)]


def _event_entries(journey: JourneyConfig, customer: Customer) -> list[Entry]:
    index = {s.name: i for i, s in enumerate(journey.stages)}
    prefix = f"{ENTRY_PREFIX}{journey.name}|"
    found = []
    for key, at in customer.profile.field_times.items():
        if key.startswith(prefix):
            stage, _, event_id = key.removeprefix(prefix).partition("|")
            if stage in index:
                found.append(Entry(at, index[stage], stage, event_id))
    return found


def prune_entries(customer: Customer, journeys: JourneysConfig) -> None:
    """Keep the newest ENTRIES_CAP entry facts per journey (the walk's input stays bounded)."""
    times = customer.profile.field_times
    for journey in journeys.journeys:
        prefix = f"{ENTRY_PREFIX}{journey.name}|"
        keys = sorted((k for k in times if k.startswith(prefix)), key=lambda k: (times[k], k))
        for key in keys[:-ENTRIES_CAP]:
            del times[key]


def walk(journey: JourneyConfig, entries: list[Entry]) -> list[StageVisit]:
    """The stage visits the entries produce (see the module docstring for the rules)."""
    visits: list[StageVisit] = []
    current: StageConfig | None = None
    current_index = -1
    for entry in sorted(entries):
        stage = journey.stages[entry.index]
        if current is None:
            moves = entry.index == 0 or stage.outcome
        elif current.outcome:
            moves = True
        else:
            moves = entry.index > current_index
        if not moves:
            continue
        if visits:
            visits[-1].left_at = entry.at
        visits.append(StageVisit(stage=stage.name, entered_at=entry.at, event_id=entry.event_id))
        current, current_index = stage, entry.index
    return visits


def positions(customer: Customer, ctx: FoldContext) -> dict[str, JourneyPosition]:
    """Every journey the customer is in; a customer in none has an empty dict."""
    prune_entries(customer, ctx.config.journeys)
    result: dict[str, JourneyPosition] = {}
    for journey in ctx.config.journeys.journeys:
        entries = _event_entries(journey, customer) + _time_entries(journey, customer, ctx.now)
        visits = walk(journey, entries)
        if not visits:
            continue
        last = visits[-1]
        stage = journey.stage(last.stage)
        assert stage is not None
        sla = (
            last.entered_at + timedelta(hours=stage.sla_hours)
            if stage.owner == "organization" and stage.sla_hours
            else None
        )
        result[journey.name] = JourneyPosition(
            journey=journey.name,
            stage=stage.name,
            entered_at=last.entered_at,
            owner=stage.owner,
            sla_due_at=sla,
            history=visits[-HISTORY_CAP:],
            completed=stage.outcome,
        )
    return result


def stage_of(customer: Customer, journey: str) -> str | None:
    position = customer.journeys.get(journey)
    return position.stage if position else None
