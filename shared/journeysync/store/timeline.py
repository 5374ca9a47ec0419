"""Compact timeline items: what happened, from which vendor, where the raw payload is — not the event again.

The raw delivery is already archived (its `archive_key` is kept here so `forget` can erase it),
so a timeline item holds only the type, source, archive key, a short PII-free summary, the
identity keys the event named (so `forget` finds every key, a changed email's old address
included) and the journey stages the event entered (`j`): the fold's journey entry facts live
on the timeline item of the event that caused them, so they cost no write of their own.

| attribute | meaning                                              |
|-----------|------------------------------------------------------|
| `y`       | event type                                           |
| `s`       | source (vendor)                                      |
| `a`       | archive key of the raw payload (absent if none)      |
| `m`       | summary, at most 80 characters, no personal data     |
| `k`       | identity keys the event named (string set)           |
| `j`       | `<journey>|<stage>` entries the event made (set)     |
| `u`       | unverified identity claims the event carried (set)   |
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeysync.models.events import CustomerEvent
from journeysync.store.table import TableKeys

SUMMARY_MAX = 80


@dataclass(frozen=True)
class TimelineEntry:
    """One timeline item as read back (either layout)."""

    id: str
    time: datetime
    type: str
    source: str
    archive_key: str | None = None
    summary: str = ""
    keys: tuple[str, ...] = ()
    entries: tuple[str, ...] = field(default=())
    unverified: tuple[str, ...] = ()  # keys the event named that were not trusted enough to claim (identity.yaml)
    event: CustomerEvent | None = None  # the whole event, from an item of the old layout only


def summary(event: CustomerEvent) -> str:
    """A short description without personal data (amounts, references, scores — never names or addresses)."""
    data = event.data
    parts: list[str] = []
    for name in ("tier", "event_ref", "order_id", "category", "scale", "score", "status", "touchpoint"):
        value = getattr(data, name, None)
        if value is not None and value != "":
            parts.append(f"{name}={value}")
    total = getattr(data, "total", None)
    if total is not None:
        parts.append(f"total={total.amount} {total.currency}")
    return " ".join(parts)[:SUMMARY_MAX]


def timeline_item(
    customer_id: str, event: CustomerEvent, keys: list[str] | None = None, entries: list[str] | None = None
) -> dict[str, Any]:
    """The compact item of `event`; keyed by event time and id, so a replay overwrites itself."""
    item: dict[str, Any] = {
        "pk": {"S": TableKeys.customer_pk(customer_id)},
        "sk": {"S": TableKeys.timeline_sk(event.time, event.id)},
        "y": {"S": event.type},
        "s": {"S": event.source},
    }
    if event.archive_key:
        item["a"] = {"S": event.archive_key}
    text = summary(event)
    if text:
        item["m"] = {"S": text}
    if keys:
        item["k"] = {"SS": sorted(set(keys))}
    if entries:
        item["j"] = {"SS": sorted(set(entries))}
    if event.unverified:
        item["u"] = {"SS": sorted(set(event.unverified))}
    return item


def parse_sk(sk: str) -> tuple[datetime, str]:
    """(event time, event id) of a timeline sort key `T#<time>#<id>`."""
    _, rest = sk.split("#", 1)
    at, _, event_id = rest.rpartition("#")
    return datetime.fromisoformat(at), event_id


def entry_from_item(item: dict[str, Any]) -> TimelineEntry:
    """A timeline entry from a compact item or from an old-layout item (the whole event under `doc`)."""
    at, event_id = parse_sk(item["sk"]["S"])
    if "doc" in item:
        doc = json.loads(item["doc"]["S"])
        event = CustomerEvent.model_validate(doc)
        return TimelineEntry(
            id=event.id, time=event.time, type=event.type, source=event.source, archive_key=event.archive_key,
            summary=summary(event), event=event, unverified=tuple(event.unverified),
            keys=tuple(sorted({str(k) for k in event.identity.keys()})),  # noqa: SIM118 - a model's method
        )
    return TimelineEntry(
        id=event_id, time=at, type=item.get("y", {}).get("S", ""), source=item.get("s", {}).get("S", ""),
        archive_key=item.get("a", {}).get("S"), summary=item.get("m", {}).get("S", ""),
        keys=tuple(item.get("k", {}).get("SS", ())), entries=tuple(item.get("j", {}).get("SS", ())),
        unverified=tuple(item.get("u", {}).get("SS", ())),
    )


def compact_from_legacy(item: dict[str, Any], keys: list[str], entries: list[str] | None = None) -> dict[str, Any]:
    """The compact item that replaces an old-layout one (same key), for `journeysync migrate`."""
    event = CustomerEvent.model_validate_json(item["doc"]["S"])
    compact = timeline_item("x", event, keys, entries)
    compact["pk"] = item["pk"]
    compact["sk"] = item["sk"]
    return compact
