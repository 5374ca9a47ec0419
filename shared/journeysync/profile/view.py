"""What `journeysync profile get` shows: one customer, found by email, phone or id, as plain data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from journeysync.config.loader import AppConfig
from journeysync.identity import IdentityKey, normalise_email, normalise_phone
from journeysync.models.changes import snapshot
from journeysync.models.customer import Customer
from journeysync.profile.resolve import customer_keys
from journeysync.store.profiles import ProfileStore

TIMELINE_LIMIT = 20


def find(
    store: ProfileStore, *, email: str | None = None, phone: str | None = None, customer_id: str | None = None,
    default_region: str = "GB",
) -> Customer | None:
    """The live customer for an email, a phone number (any format) or an id (tombstones followed)."""
    if customer_id:
        return store.resolve(customer_id)
    key = (
        IdentityKey("email", normalise_email(email)) if email
        else IdentityKey("phone", normalise_phone(phone or "", default_region))
    )
    owner = store.owner_of(key)
    return store.resolve(owner) if owner else None


def segments_of(customer: Customer, config: AppConfig, now: datetime | None = None) -> list[str]:
    """The segments the customer is in (the email hop's engine, so both always agree)."""
    from journeysync.segments.engine import SegmentEngine

    return sorted(SegmentEngine(config.segments).evaluate(customer, now))


def view(store: ProfileStore, customer: Customer, config: AppConfig) -> dict[str, Any]:
    timeline = store.timeline(customer.customer_id, TIMELINE_LIMIT)
    return {
        "customer_id": customer.customer_id,
        "version": customer.header.version,
        "created_at": customer.header.created_at.isoformat(),
        "updated_at": customer.header.updated_at.isoformat(),
        "identity_keys": [str(k) for k in customer_keys(customer)],
        "profile": snapshot(customer)["profile"],
        "journeys": {
            name: {
                "stage": p.stage, "owner": p.owner, "entered_at": p.entered_at.isoformat(),
                "sla_due_at": p.sla_due_at.isoformat() if p.sla_due_at else None, "completed": p.completed,
                "history": [f"{v.stage}@{v.entered_at.isoformat()}" for v in p.history],
            }
            for name, p in sorted(customer.journeys.items())
        },
        "segments": segments_of(customer, config, datetime.now(UTC)),
        "timeline": [
            {"time": e.time.isoformat(), "type": e.type, "source": e.source, "id": e.id,
             "unverified": list(e.unverified)}
            for e in timeline
        ],
        # keys events named that were not trusted enough to claim, link or merge (identity.yaml)
        "unverified_claims": sorted({k for e in timeline for k in e.unverified}),
        "merges": [a for a in store.audits(customer.customer_id) if a.get("action") == "merge"],
    }
