"""What survey dispatch reads from a ProfileChanged — in this one function, so a new change shape is one edit.

Only three things matter here: which events caused the change (the touchpoints), the member's
consent, and whether the change is about a live customer at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from journeysync.models.changes import ProfileChanged

SUPPRESSED = frozenset({"unsubscribed", "cleaned", "complained"})


@dataclass(frozen=True)
class Touch:
    event_id: str
    event_type: str


@dataclass(frozen=True)
class ChangeView:
    customer_id: str
    at: datetime
    live: bool
    consent_status: str
    touches: tuple[Touch, ...]

    @property
    def suppressed(self) -> bool:
        return self.consent_status in SUPPRESSED


def read_change(change: ProfileChanged) -> ChangeView:
    profile = (change.after or {}).get("profile") or {}
    consent = (profile.get("email_consent") or {}).get("status") or "unknown"
    return ChangeView(
        customer_id=change.customer_id,
        at=change.at.astimezone(UTC),
        live=not change.forgotten and not change.merged_into,
        consent_status=str(consent),
        touches=tuple(Touch(c.id, c.type) for c in change.causes),
    )
