"""Reading work items back, with the alerts as the `low_rating` kind: the CLI's list, the report, the demo."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from journeysync.alerts.model import Alert
from journeysync.alerts.store import AlertStore
from journeysync.work.model import STATUSES, WorkItem, WorkStatus
from journeysync.work.store import WorkItemStore


def from_alert(alert: Alert) -> WorkItem:
    """An alert seen as a work item (same team, SLA, claim and resolve times)."""
    return WorkItem(
        id=alert.id, kind="low_rating", customer_id=alert.customer_id, email=alert.email, name=alert.context.name,
        team=alert.team, title=f"{alert.sentiment} rating {alert.score} ({alert.scale}) at {alert.touchpoint}",
        status=alert.status, created_at=alert.created_at, sla_due_at=alert.sla_due_at, claimed_by=alert.claimed_by,
        claimed_at=alert.claimed_at, resolved_by=alert.resolved_by, resolved_at=alert.resolved_at,
        notified=alert.notified_revision > 0,
    )


def list_work(table: str, client: Any | None = None, statuses: Iterable[WorkStatus] = STATUSES) -> list[WorkItem]:
    """Work items and alerts of the given statuses, newest first."""
    wanted = list(statuses)
    items = [i for status in wanted for i in WorkItemStore(table, client).by_status(status)]
    alerts = AlertStore(table, client)
    items += [from_alert(a) for status in wanted if status != "closed" for a in alerts.by_status(status)]
    return sorted(items, key=lambda i: (i.created_at, i.id), reverse=True)


def count_work(items: Iterable[WorkItem]) -> dict[str, dict[str, int]]:
    """kind → status → count (what the demo summary shows)."""
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        per = counts.setdefault(item.kind, {})
        per[item.status] = per.get(item.status, 0) + 1
    return counts
