"""Reading alerts back: the CLI's list and the demo's counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from journeysync.alerts.model import STATUSES, Alert, AlertStatus
from journeysync.alerts.store import AlertStore


def list_alerts(store: AlertStore, statuses: Iterable[AlertStatus] = STATUSES) -> list[Alert]:
    """Alerts of the given statuses, newest first (one GSI query per status)."""
    found = [a for status in statuses for a in store.by_status(status)]
    return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)


def count_alerts(table: str, client: Any | None = None) -> dict[str, int]:
    """status → number of alerts, plus `total` (what the demo summary shows)."""
    store = AlertStore(table, client)
    counts: dict[str, int] = {status: sum(1 for _ in store.by_status(status)) for status in STATUSES}
    counts["total"] = sum(counts.values())
    return counts
