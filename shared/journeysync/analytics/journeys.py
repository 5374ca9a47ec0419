"""Journey analytics: pure functions over an iterable of Customers (and their destination sync states).

`JourneyAnalytics` is a streaming accumulator — `add()` one customer at a time, `result()` at
the end — so a table scan never holds every profile in memory; `analyse()` wraps it for a
list. Nothing here reads a clock or a store: `now`, the configuration and the segment
memberships come in as arguments.

Definitions (the README's report section says the same):

- **funnel**: per stage, members whose position is that stage now (`current`) and members
  whose kept stage history visits it (`reached`);
- **median time in stage**: over visits that ended (`left_at - entered_at`); the members in
  it now give `median_hours_so_far`;
- **stalled**: the position is an organisation-owned stage whose SLA (`sla_due_at`, else
  `entered_at + sla_hours`) passed; the owning team comes from `journeys.yaml`;
- **abandoned**: the position is a member-owned stage that is not an outcome and the member
  has not moved for `abandon_after_days` (organisation-owned stages are *stalled* instead);
- **detractor hotspots**: every rating by (journey, the stage the member was in just before
  it, touchpoint) — detractors and all ratings;
- **overlap**: customers on both of two division lists (segments named `division-*`);
- **sync freshness**: see `journeysync.analytics.freshness`.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from journeysync.analytics.freshness import FRESHNESS_METHOD, FreshnessAccumulator
from journeysync.analytics.model import (
    Hotspot,
    JourneyReport,
    JourneyStats,
    Overlap,
    StageCount,
    StageStats,
    Stalled,
)
from journeysync.config.journeys import JourneyConfig, JourneysConfig, StageConfig
from journeysync.destinations.model import ContactState
from journeysync.models.customer import Customer, JourneyPosition
from journeysync.segments.engine import overlap as overlap_counts

DIVISION_PREFIX = "division-"
Memberships = Callable[[Customer], frozenset[str]]


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def sla_due(position: JourneyPosition, stage: StageConfig) -> datetime | None:
    if stage.owner != "organization":
        return None
    if position.sla_due_at is not None:
        return position.sla_due_at
    return position.entered_at + timedelta(hours=stage.sla_hours) if stage.sla_hours else None


def stage_before(position: JourneyPosition | None, at: datetime) -> str:
    """The stage the member was in just before `at` ('(none)' if the journey had not begun)."""
    if position is None:
        return "(none)"
    found = "(none)"
    for visit in sorted(position.history, key=lambda v: v.entered_at):
        if visit.entered_at < at:
            found = visit.stage
        else:
            break
    return found


@dataclass
class _JourneyAcc:
    config: JourneyConfig
    members: int = 0
    current: Counter[str] = field(default_factory=Counter)
    reached: Counter[str] = field(default_factory=Counter)
    ended: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    so_far: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, position: JourneyPosition, now: datetime) -> None:
        self.members += 1
        self.current[position.stage] += 1
        self.so_far[position.stage].append(_hours(now - position.entered_at))
        for stage in {v.stage for v in position.history} | {position.stage}:
            self.reached[stage] += 1
        for visit in position.history:
            if visit.left_at is not None:
                self.ended[visit.stage].append(_hours(visit.left_at - visit.entered_at))

    def result(self) -> JourneyStats:
        return JourneyStats(
            journey=self.config.name,
            description=self.config.description,
            members=self.members,
            stages=[
                StageStats(
                    stage=s.name,
                    owner=s.owner,
                    outcome=s.outcome,
                    current=self.current[s.name],
                    reached=self.reached[s.name],
                    median_hours=_median(self.ended[s.name]),
                    median_hours_so_far=_median(self.so_far[s.name]),
                )
                for s in self.config.stages
            ],
        )


class JourneyAnalytics:
    """Add customers one at a time; `result()` gives the whole report."""

    def __init__(
        self,
        journeys: JourneysConfig,
        now: datetime,
        *,
        memberships: Memberships | None = None,
        division_lists: Sequence[str] = (),
        destinations: Sequence[str] = (),
        abandon_after_days: int = 90,
    ) -> None:
        self.config = journeys
        self.now = now
        self.memberships = memberships
        self.abandon_after = timedelta(days=abandon_after_days)
        self.abandon_after_days = abandon_after_days
        self.customers = 0
        self._journeys = {j.name: _JourneyAcc(j) for j in journeys.journeys}
        self._stalled: list[Stalled] = []
        self._no_journey: Counter[str] = Counter()
        self._abandoned: Counter[tuple[str, str]] = Counter()
        self._hot: Counter[tuple[str, str, str]] = Counter()
        self._rated: Counter[tuple[str, str, str]] = Counter()
        self._ratings = 0
        self._detractors = 0
        self._lists = sorted(set(division_lists))
        self._fixed_lists = bool(division_lists)
        self._pairs: Counter[tuple[str, str]] = Counter()
        self._division_sets: list[frozenset[str]] = []
        self._several = 0
        self._combos: Counter[str] = Counter()
        self.freshness = FreshnessAccumulator(destinations)

    def add(self, customer: Customer, states: Iterable[ContactState] = ()) -> None:
        if customer.is_tombstone or customer.header.forgotten:
            return
        self.customers += 1
        if not customer.journeys:
            self._no_journey[customer.profile.membership.status] += 1
        for name, position in customer.journeys.items():
            self._add_position(customer, name, position)
        self._add_ratings(customer)
        self._add_divisions(customer)
        self.freshness.add(customer, states)

    def _add_position(self, customer: Customer, name: str, position: JourneyPosition) -> None:
        journey = self._journeys.get(name)
        stage = journey.config.stage(position.stage) if journey else None
        if journey is None or stage is None:
            return  # a journey or stage no longer configured
        journey.add(position, self.now)
        due = sla_due(position, stage)
        if due is not None and due < self.now:
            self._stalled.append(
                Stalled(
                    customer_id=customer.customer_id,
                    journey=name,
                    stage=stage.name,
                    team=stage.team,
                    entered_at=position.entered_at,
                    sla_due_at=due,
                    overdue_hours=round(_hours(self.now - due), 1),
                )
            )
        if stage.owner == "member" and not stage.outcome and self.now - position.entered_at >= self.abandon_after:
            self._abandoned[(name, stage.name)] += 1

    def _add_ratings(self, customer: Customer) -> None:
        for rating in customer.profile.ratings:
            self._ratings += 1
            self._detractors += rating.sentiment == "detractor"
            for journey in self.config.journeys:
                key = (journey.name, stage_before(customer.journeys.get(journey.name), rating.at), rating.touchpoint)
                self._rated[key] += 1
                if rating.sentiment == "detractor":
                    self._hot[key] += 1

    def _add_divisions(self, customer: Customer) -> None:
        if self.memberships is None:
            lists = frozenset(f"{DIVISION_PREFIX}{d}" for d in customer.profile.divisions)
        else:
            lists = frozenset(s for s in self.memberships(customer) if s.startswith(DIVISION_PREFIX))
        on = sorted(lists & set(self._lists)) if self._fixed_lists else sorted(lists)
        self._lists.extend(x for x in on if x not in self._lists)
        for i, a in enumerate(on):
            for b in on[i:]:
                self._pairs[(a, b)] += 1
        counts = overlap_counts([frozenset(on)], prefix=DIVISION_PREFIX)
        self._several += counts.pop("customers_on_several")
        self._combos.update(counts)

    def result(self) -> JourneyReport:
        lists = sorted(self._lists)
        matrix = [[self._pairs[(a, b) if a <= b else (b, a)] for b in lists] for a in lists]
        stalled = sorted(self._stalled, key=lambda s: (-s.overdue_hours, s.journey, s.customer_id))
        by_team = Counter(s.team or "(no team)" for s in stalled)
        order = {(j.name, s.name): (ji, si) for ji, j in enumerate(self.config.journeys) for si, s in enumerate(j.stages)}
        hotspots = [
            Hotspot(journey=j, stage=s, touchpoint=t, detractors=self._hot[(j, s, t)], ratings=n)
            for (j, s, t), n in self._rated.items()
        ]
        hotspots.sort(key=lambda h: (-h.detractors, -h.ratings, h.journey, h.stage, h.touchpoint))
        return JourneyReport(
            generated_at=self.now,
            customers=self.customers,
            journeys=[acc.result() for acc in self._journeys.values()],
            stalled=stalled,
            stalled_by_team=dict(sorted(by_team.items(), key=lambda kv: (-kv[1], kv[0]))),
            no_journey=sum(self._no_journey.values()),
            no_journey_by_membership=dict(sorted(self._no_journey.items())),
            abandon_after_days=self.abandon_after_days,
            abandoned=[
                StageCount(journey=j, stage=s, count=n)
                for (j, s), n in sorted(self._abandoned.items(), key=lambda kv: order.get(kv[0], (99, 99)))
            ],
            ratings=self._ratings,
            detractor_ratings=self._detractors,
            hotspots=hotspots,
            overlap=Overlap(
                lists=lists,
                matrix=matrix,
                customers_on_several=self._several,
                combinations=dict(sorted(self._combos.items())),
            ),
            freshness=self.freshness.result(),
            freshness_method=FRESHNESS_METHOD,
        )


def analyse(
    customers: Iterable[Customer | tuple[Customer, Sequence[ContactState]]],
    journeys: JourneysConfig,
    now: datetime,
    *,
    memberships: Memberships | None = None,
    division_lists: Sequence[str] = (),
    destinations: Sequence[str] = (),
    abandon_after_days: int = 90,
) -> JourneyReport:
    """The report for `customers` (each a Customer, or a (Customer, its sync states) pair)."""
    acc = JourneyAnalytics(
        journeys,
        now,
        memberships=memberships,
        division_lists=division_lists,
        destinations=destinations,
        abandon_after_days=abandon_after_days,
    )
    for item in customers:
        if isinstance(item, tuple):
            acc.add(item[0], item[1])
        else:
            acc.add(item)
    return acc.result()
