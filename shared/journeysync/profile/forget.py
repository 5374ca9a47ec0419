"""Erasure (`journeysync forget`, or a `customer.forgotten` event): the person leaves no trace but a digest.

Erased: the profile and the profiles merged into it (their ids come from the merge audit
records), every timeline, audit and alert item of those partitions, every identity key they
own, and the raw vendor payloads archived in S3 (each timeline item keeps its event's
`archive_key` and identity keys; `profile.erasure` finds the ones no timeline names). Left
behind, per erased key, only `F#<sha256 digest> → forgotten_at`: no address, no customer id,
no audit trail. It lets the profile hop drop late replays of events from before the erasure,
so an erased person is never resurrected by a retry; a genuinely new event (after the
erasure) starts a new profile.

The destinations' sync-state items (`D#…`) are left for the destination sync: it deletes
the contact each one names (SES DeleteContact, Mailchimp permanent delete) and replaces the
item with a PII-free "forgotten" marker that expires after 14 days, so a change queued
before the forget cannot re-create the contact. The returned `customer.forgotten`
ProfileChanged (with the last snapshot as `before`) is what triggers that sync, and
HubSpot's GDPR delete in crm_push.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeysync.alerts.requests import ALERT_PREFIX
from journeysync.destinations.state import STATE_PREFIX
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
    alerts_deleted: int = 0
    keys_deleted: int = 0
    archived_deleted: int = 0
    change: ProfileChanged | None = None
    keys: set[IdentityKey] = field(default_factory=set)  # every key erased (what the searching scans look for)
    archive_keys: list[str] = field(default_factory=list)


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
        for k in store.partition_keys(cid):
            if k["sk"]["S"].startswith(STATE_PREFIX):
                continue  # the destination sync deletes the contact it names, then tombstones it
            report.alerts_deleted += k["sk"]["S"].startswith(ALERT_PREFIX)
            deletes.append({"pk": k["pk"], "sk": k["sk"]})
    keys = _keys_of(customer, timeline)
    report.keys = keys
    owners = store.lookup(sorted(keys, key=str))[0]
    mine = [k for k, owner in owners.items() if owner in report.customers]
    deletes += [{"pk": {"S": TableKeys.identity_pk(k)}, "sk": {"S": TableKeys.KEY_SK}} for k in mine]
    markers = [rq.forgotten_marker(k.digest(), now.isoformat()) for k in sorted(keys, key=str)]
    store.write_items(markers, deletes)
    report.items_deleted = len(deletes) - len(mine)
    report.keys_deleted = len(mine)
    archive_keys = sorted({e.archive_key for e in timeline if e.archive_key})
    report.archive_keys = archive_keys
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


class DestinationRefusedError(Exception):
    """A destination could not delete the contact; nothing else was erased yet, so `forget` can run again."""


def forget_everywhere(
    store: ProfileStore,
    customer: Customer,
    *,
    syncer: Any | None,
    archive_bucket: str | None,
    s3: Any | None,
    sqs: Any | None,
    dead_letter_queues: dict[str, str],
    publish: Any,
) -> dict[str, Any]:
    """The operator's erasure: destinations first (so a refusal leaves everything to retry), then the store,
    then every archived payload and dead-lettered message that names the person; returns what went where."""
    from journeysync.destinations.sync import SyncInput
    from journeysync.profile.erasure import Needles, purge_archive, purge_queue

    removed: dict[str, Any] = {}
    if syncer is not None:
        result = syncer.sync(
            [SyncInput(customer.customer_id, customer, forgotten=True)], bump_unchanged=False, read_profiles=False
        )
        if result.failed:
            reasons = "; ".join(o.reason for o in result.failed.values())
            raise DestinationRefusedError(f"a destination did not delete the contact ({reasons})")
        for name in syncer.destination_names:
            removed[f"destination:{name}"] = "contact deleted" if result.changes.get(name) else "no contact"
    report = forget_customer(store, customer.customer_id, archive_bucket=archive_bucket, s3=s3)
    removed["profiles"] = report.customers
    removed["timeline_and_audit_items"] = report.items_deleted - report.alerts_deleted
    removed["alerts"] = report.alerts_deleted
    removed["identity_keys"] = report.keys_deleted
    needles = Needles.of(report.keys)
    scanned: list[str] = []
    if archive_bucket and s3 is not None:
        scanned = purge_archive(s3, archive_bucket, needles, already=report.archive_keys)
    removed["archived_payloads"] = report.archived_deleted + len(scanned)
    removed["dead_letters"] = {
        name: purge_queue(sqs, url, needles) for name, url in sorted(dead_letter_queues.items()) if sqs is not None
    }
    removed["customer_forgotten_published"] = bool(report.change and publish([report.change]))
    removed["tombstones"] = f"{len(report.keys)} key digests (F#<sha256>), nothing else"
    return removed
