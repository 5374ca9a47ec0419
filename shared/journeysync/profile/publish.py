"""ProfileChanged: built from a committed before/after, published to the bus in PutEvents batches of 10.

Publication is at-least-once: a redelivered event whose change was already committed
re-publishes a *resync* (before = None, the current snapshot as after), so consumers key
on (customer_id, version) and treat `before = None` as "sync everything".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from journeysync.errors import RetriableError
from journeysync.models.changes import BUS_SOURCE, DETAIL_TYPE, Cause, ProfileChanged, StageEntry, snapshot
from journeysync.models.customer import Customer
from journeysync.models.events import CustomerEvent

PUT_EVENTS_BATCH = 10
PUT_EVENTS_MAX_BYTES = 240_000
_IGNORED = frozenset({"header.version", "header.updated_at"})
_DEEP = frozenset({"profile.membership", "profile.email_consent", "header"})


def _flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        depth = path.count(".")
        if isinstance(value, dict) and (depth == 0 or path in _DEEP or path.startswith("journeys")) and depth < 2:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Dotted fields whose value differs (e.g. `profile.membership.status`, `journeys.membership`)."""
    a, b = _flatten(before or {}), _flatten(after)
    return sorted(k for k in set(a) | set(b) if k not in _IGNORED and a.get(k) != b.get(k))


def stages_entered(before: Customer | None, after: Customer) -> list[StageEntry]:
    """Stage visits in `after` that `before` did not have (a visit is its journey, stage and entry time)."""
    seen = {
        (name, visit.stage, visit.entered_at)
        for name, position in (before.journeys.items() if before is not None else ())
        for visit in position.history
    }
    return [
        StageEntry(journey=name, stage=visit.stage, entered_at=visit.entered_at, left_at=visit.left_at)
        for name, position in after.journeys.items()
        for visit in position.history
        if (name, visit.stage, visit.entered_at) not in seen
    ]


def profile_changed(
    before: Customer | None,
    after: Customer,
    causes: Sequence[CustomerEvent] = (),
    *,
    forgotten: bool = False,
) -> ProfileChanged:
    before_doc = snapshot(before) if before is not None else None
    after_doc = snapshot(after)
    return ProfileChanged(
        customer_id=after.customer_id,
        version=after.header.version,
        at=datetime.now(UTC),
        changed=changed_fields(before_doc, after_doc),
        causes=[Cause(id=e.id, type=e.type, source=e.source) for e in causes],
        before=before_doc,
        after=after_doc,
        entered=[] if forgotten else stages_entered(before, after),
        forgotten=forgotten,
        merged_into=after.header.merged_into,
    )


def entry(change: ProfileChanged, bus_name: str) -> dict[str, Any]:
    """One PutEvents entry (pure; unit-tested)."""
    return {
        "Source": BUS_SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": change.model_dump_json(),
        "EventBusName": bus_name,
        "Resources": [],
    }


class Publisher:
    """Collects ProfileChanged and sends them in batches of 10, retrying entries EventBridge refused."""

    def __init__(self, bus_name: str, client: Any | None = None, attempts: int = 3) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("events")
        self.bus_name = bus_name
        self.events = client
        self.attempts = attempts
        self.requests = 0

    def publish(self, changes: Sequence[ProfileChanged]) -> int:
        """Send every change; RetriableError if some could not be delivered. Returns the count sent."""
        sent = 0
        for chunk in chunks([entry(c, self.bus_name) for c in changes]):
            for _ in range(self.attempts):
                self.requests += 1
                resp = self.events.put_events(Entries=chunk)
                results = resp.get("Entries") or []
                failed = [e for e, r in zip(chunk, results, strict=False) if r.get("ErrorCode")]
                sent += len(chunk) - len(failed)
                chunk = failed
                if not chunk:
                    break
            if chunk:
                raise RetriableError(f"EventBridge refused {len(chunk)} ProfileChanged entries")
        return sent


def _size(item: dict[str, Any]) -> int:
    return len(item["Detail"].encode()) + len(item["DetailType"]) + len(item["Source"]) + 64


def chunks(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """PutEvents requests: at most 10 entries and 256 KB in total each."""
    out: list[list[dict[str, Any]]] = []
    size = 0
    for item in entries:
        if not out or len(out[-1]) == PUT_EVENTS_BATCH or size + _size(item) > PUT_EVENTS_MAX_BYTES:
            out.append([])
            size = 0
        out[-1].append(item)
        size += _size(item)
    return out


def parse_detail(detail: Any) -> ProfileChanged:
    """A ProfileChanged from an EventBridge event's `detail` (dict or JSON string)."""
    data = json.loads(detail) if isinstance(detail, str) else detail
    return ProfileChanged.model_validate(data)
