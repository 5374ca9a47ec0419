"""What the work-item hop reads from a ProfileChanged — in this one function, so a new change shape is one edit:
the member's journey positions, the stages they passed through within the change, who they are (for the
team's message), and what caused the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from journeysync.models.changes import ProfileChanged


@dataclass(frozen=True)
class Position:
    journey: str
    stage: str
    entered_at: datetime


@dataclass(frozen=True)
class MemberView:
    customer_id: str
    at: datetime
    live: bool
    email: str | None
    name: str | None
    tier: str | None
    membership_status: str
    causes: tuple[str, ...]
    positions: tuple[Position, ...]
    passed: tuple[Position, ...] = ()


def read_change(change: ProfileChanged) -> MemberView:
    after = change.after or {}
    profile = after.get("profile") or {}
    identity = after.get("identity") or {}
    membership = profile.get("membership") or {}
    emails = identity.get("emails") or []
    name = " ".join(p for p in (profile.get("given_name"), profile.get("family_name")) if p) or None
    positions = []
    for journey, pos in (after.get("journeys") or {}).items():
        if isinstance(pos, dict) and pos.get("stage") and pos.get("entered_at"):
            entered = datetime.fromisoformat(str(pos["entered_at"]).replace("Z", "+00:00")).astimezone(UTC)
            positions.append(Position(str(journey), str(pos["stage"]), entered))
    return MemberView(
        customer_id=change.customer_id,
        at=change.at.astimezone(UTC),
        live=not change.forgotten and not change.merged_into,
        email=identity.get("primary_email") or (emails[0] if emails else None),
        name=name,
        tier=membership.get("tier"),
        membership_status=str(membership.get("status") or "none"),
        causes=tuple(c.type for c in change.causes),
        positions=tuple(positions),
        passed=tuple(Position(e.journey, e.stage, e.entered_at.astimezone(UTC))
                     for e in change.entered if e.left_at is not None),
    )
