"""Erasure (`journeysync forget`, or a `customer.forgotten` event): the person leaves no trace but a digest.

Erased: the profile and the profiles merged into it (their ids come from the merge audit
records), every timeline and audit item of those partitions, every identity key they own,
and the raw vendor payloads archived in S3 (each timeline item keeps its event's `archive_key` and identity keys).
Left behind, per erased key, only `F#<sha256 digest> → forgotten_at`: no address, no
customer id, no audit trail. It lets the profile hop drop late replays of events from
before the erasure, so an erased person is never resurrected by a retry; a genuinely new
event (after the erasure) starts a new profile. The returned `customer.forgotten`
ProfileChanged (with the last snapshot as `before`) tells destinations to delete too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeysync.identity import IdentityKey
from journeysync.models.changes import ProfileChanged
from journeysync.models.customer import Customer, PlatformHeader
from journeysync.models.events import CustomerEvent
from journeysync.store import requests as rq
from journeysync.store.profiles import ProfileStore
from journeysync.store.table import TableKeys
from journeysync.store.timeline import TimelineEntry, entry_from_item


@dataclass
class ForgetReport:
    customer_id: str
    customers: list[str] = field(default_factory=list)
    items_deleted: int = 0
    keys_deleted: int = 0
    archived_deleted: int = 0
    change: ProfileChanged | None = None


def _keys_of(customer: Customer, timeline: list[TimelineEntry]) -> set[IdentityKey]:
    from journeysync.profile.resolve import customer_keys, event_keys

    keys = set(customer_keys(customer))
    for entry in timeline:
        if entry.event is not None:
            keys.update(event_keys(entry.event))
        for text in entry.keys:
            try:
                keys.add(IdentityKey.parse(text))
            except ValueError:
                continue
    return keys


def forget_customer(
    store: ProfileStore,
    customer_id: str,
    *,
    cause: CustomerEvent | None = None,
    archive_bucket: str | None = None,
    s3: Any | None = None,
    now: datetime | None = None,
) -> ForgetReport:
    """Erase `customer_id` (and what was merged into it); see the module docstring."""
    from journeysync.profile.publish import profile_changed

    report = ForgetReport(customer_id)
    customer = store.get(customer_id)
    if customer is None:
        return report
    now = now or datetime.now(UTC)
    merged = [a["merged"] for a in store.audits(customer_id) if a.get("action") == "merge" and a.get("merged")]
    report.customers = [customer_id, *merged]
    timeline: list[TimelineEntry] = []
    deletes: list[dict[str, Any]] = []
    for cid in report.customers:
        for item in store.timeline_items(cid):
            try:
                timeline.append(entry_from_item(item))
            except ValueError:
                continue
        deletes += [{"pk": k["pk"], "sk": k["sk"]} for k in store.partition_keys(cid)]
    keys = _keys_of(customer, timeline)
    owners = store.lookup(sorted(keys, key=str))[0]
    mine = [k for k, owner in owners.items() if owner in report.customers]
    deletes += [{"pk": {"S": TableKeys.identity_pk(k)}, "sk": {"S": TableKeys.KEY_SK}} for k in mine]
    markers = [rq.forgotten_marker(k.digest(), now.isoformat()) for k in sorted(keys, key=str)]
    store.write_items(markers, deletes)
    report.items_deleted = len(deletes) - len(mine)
    report.keys_deleted = len(mine)
    archive_keys = sorted({e.archive_key for e in timeline if e.archive_key})
    if archive_keys and archive_bucket:
        report.archived_deleted = _delete_archived(archive_bucket, archive_keys, s3)
    gone = Customer(customer_id=customer_id, header=PlatformHeader(version=customer.header.version + 1, forgotten=True))
    report.change = profile_changed(customer, gone, [cause] if cause else [], forgotten=True)
    return report


def _delete_archived(bucket: str, keys: list[str], s3: Any | None) -> int:
    if s3 is None:
        from journeysync.aws import client

        s3 = client("s3")
    deleted = 0
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        deleted += len(chunk) - len(resp.get("Errors") or [])
    return deleted
