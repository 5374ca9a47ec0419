"""Work items in the journey report: per kind, how many were created, claimed within their SLA, resolved, and
how long a claim took — overall and by team. Pure: the items are handed in."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import median

from journeysync.analytics.model import WorkKindStats, WorkTeamStats
from journeysync.work.model import KINDS, WorkItem

_DONE = frozenset({"resolved", "closed"})


def _team_stats(items: list[WorkItem]) -> WorkTeamStats:
    waits = [(i.claimed_at - i.created_at).total_seconds() / 3600 for i in items if i.claimed_at]
    return WorkTeamStats(
        created=len(items),
        claimed_within_sla=sum(1 for i in items if i.claimed_at and i.claimed_at <= i.sla_due_at),
        resolved=sum(1 for i in items if i.status in _DONE),
        open=sum(1 for i in items if i.status not in _DONE),
        median_hours_to_claim=round(median(waits), 2) if waits else None,
    )


def work_stats(items: Iterable[WorkItem]) -> list[WorkKindStats]:
    """One entry per kind (every kind, even with none), teams sorted by name."""
    by_kind: dict[str, list[WorkItem]] = {k: [] for k in KINDS}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    out = []
    for kind, found in by_kind.items():
        teams: dict[str, list[WorkItem]] = {}
        for item in found:
            teams.setdefault(item.team, []).append(item)
        out.append(WorkKindStats(kind=kind, total=_team_stats(found),
                                 by_team={t: _team_stats(v) for t, v in sorted(teams.items())}))
    return out
