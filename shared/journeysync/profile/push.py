"""crm_push: ProfileChanged (EventBridge → SQS) → the configured CRM.

The built-in CRM is the profile table itself: with `crm_push_target=builtin` (the default)
there is nothing to push and every record is acknowledged. With `hubspot`, a batch's
changes are reduced to the newest version per customer and sent in one batch upsert
(≤ 100 contacts per call), keyed by primary email, carrying membership tier, status,
expiry, online booking and journey stages as contact properties. `customer.forgotten`
becomes a GDPR delete. Failures map per record: throttling / 5xx → the record is retried
by SQS (backoff honouring Retry-After happens in the connector first); a contact HubSpot
refuses (4xx, or an error in a 207) → the record goes to the dead-letter queue with the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from journeysync.batch import Verdict, dead, retry
from journeysync.errors import BadInputError, FatalError, RetriableError
from journeysync.models.changes import ProfileChanged, change_from_record

# HubSpot contact properties journeysync writes (create the journeysync_* ones once in HubSpot).
PROPERTIES = (
    "email", "firstname", "lastname", "phone", "journeysync_customer_id", "journeysync_membership_tier",
    "journeysync_membership_status", "journeysync_membership_valid_until", "journeysync_can_book_online",
    "journeysync_membership_stage", "journeysync_feedback_stage",
)


def primary_email(snapshot: dict[str, Any] | None) -> str | None:
    emails = ((snapshot or {}).get("identity") or {}).get("emails") or []
    return str(emails[0]) if emails else None


def contact_properties(after: dict[str, Any]) -> dict[str, str]:
    """HubSpot properties for a customer snapshot (dates as YYYY-MM-DD, booleans as "true"/"false")."""
    profile = after.get("profile") or {}
    membership = profile.get("membership") or {}
    journeys = after.get("journeys") or {}
    phones = (after.get("identity") or {}).get("phones") or []
    valid_until = membership.get("valid_until")
    props = {
        "email": primary_email(after) or "",
        "firstname": profile.get("given_name") or "",
        "lastname": profile.get("family_name") or "",
        "phone": phones[0] if phones else "",
        "journeysync_customer_id": str(after.get("customer_id", "")),
        "journeysync_membership_tier": membership.get("tier") or "",
        "journeysync_membership_status": membership.get("status") or "none",
        "journeysync_membership_valid_until": str(valid_until)[:10] if valid_until else "",
        "journeysync_can_book_online": "true" if membership.get("can_book_online") else "false",
        "journeysync_membership_stage": (journeys.get("membership") or {}).get("stage") or "",
        "journeysync_feedback_stage": (journeys.get("visit_feedback") or {}).get("stage") or "",
    }
    return {k: v for k, v in props.items() if v != "" or k.startswith("journeysync_")}




@dataclass
class PushReport:
    retry: dict[str, str] = field(default_factory=dict)  # record id → reason (SQS redelivers)
    dead: dict[str, str] = field(default_factory=dict)  # record id → reason (dead-letter queue)
    upserted: int = 0
    deleted: int = 0
    skipped: int = 0
    superseded: int = 0
    calls: int = 0


def _newest(changes: dict[str, ProfileChanged]) -> tuple[dict[str, tuple[str, ProfileChanged]], dict[str, list[str]]]:
    """Per customer the newest change, and the records it supersedes (acknowledged with it)."""
    newest: dict[str, tuple[str, ProfileChanged]] = {}
    followers: dict[str, list[str]] = {}
    for record_id, change in changes.items():
        seen = newest.get(change.customer_id)
        if seen is None or change.version >= seen[1].version:
            if seen is not None:
                followers.setdefault(change.customer_id, []).append(seen[0])
            newest[change.customer_id] = (record_id, change)
        else:
            followers.setdefault(change.customer_id, []).append(record_id)
    return newest, followers


def _call(report: PushReport, records: list[str], call: Callable[[], Any]) -> Any:
    """Run one HubSpot call; on failure mark `records` for retry (throttling, 5xx) or the DLQ (4xx)."""
    try:
        return call()
    except RetriableError as exc:
        report.retry.update(dict.fromkeys(records, str(exc)))
    except FatalError as exc:
        report.dead.update(dict.fromkeys(records, str(exc)))
    return None


def _gdpr_delete(hubspot: Any, email: str) -> bool:
    hubspot.gdpr_delete(email)
    return True


def push_changes(changes: dict[str, ProfileChanged], hubspot: Any) -> PushReport:
    """Send `changes` (record id → change) to HubSpot; say per record what must be retried or dead-lettered."""
    report = PushReport()
    newest, followers = _newest(changes)
    report.superseded = sum(len(v) for v in followers.values())
    upserts: dict[str, dict[str, str]] = {}
    owners: dict[str, list[str]] = {}
    for customer_id, (record_id, change) in newest.items():
        records = [record_id, *followers.get(customer_id, [])]
        if change.forgotten:
            email = primary_email(change.before)
            if email and _call(report, records, functools.partial(_gdpr_delete, hubspot, email)):
                report.deleted += 1
            continue
        email = primary_email(change.after)
        if change.merged_into or not email:
            report.skipped += 1  # a tombstone (its survivor carries the data) or nobody to key a contact on
            continue
        upserts[email] = contact_properties(change.after)
        owners.setdefault(email, []).extend(records)
    if upserts:
        every = [r for records in owners.values() for r in records]
        result = _call(report, every, lambda: hubspot.upsert_contacts(upserts))
        if result is not None:
            report.upserted = len(result.ok)
            for email, reason in result.failed.items():
                report.dead.update(dict.fromkeys(owners.get(email, []), reason))
    return report


def push_verdicts(event: dict[str, Any], *, hubspot: Any | None) -> tuple[dict[str, Verdict], PushReport]:
    """The crm_push batch's verdict per record (`journeysync.batch`); `hubspot=None` means the built-in
    CRM (nothing to push: every readable record is acknowledged)."""
    records = event.get("Records") or []
    report = PushReport()
    changes: dict[str, ProfileChanged] = {}
    for raw in records:
        try:
            changes[raw["messageId"]] = change_from_record(raw.get("body") or "")
        except BadInputError as exc:
            report.dead[raw["messageId"]] = f"not a ProfileChanged: {exc}"
    if hubspot is None:
        report.skipped = len(changes)
    else:
        pushed = push_changes(changes, hubspot)
        pushed.dead.update(report.dead)
        report = pushed
    verdicts = {mid: retry(why) for mid, why in report.retry.items()}
    verdicts.update({mid: dead(why) for mid, why in report.dead.items()})
    return verdicts, report
