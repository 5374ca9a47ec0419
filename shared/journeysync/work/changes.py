"""What the work-item hop reads from a ProfileChanged — in this one function, so a new change shape is one edit:
the member's journey positions, the stages they passed through within the change, who they are (for the
team's message), and what caused the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from journeysync.models.changes import ProfileChanged


@dataclass(frozen=True)
class Position:
    journey: str
    stage: str
    entered_at: datetime


@dataclass(frozen=True)
class CheckoutView:
    token: str
    touchpoint: str
    started_at: datetime | None
    abandoned: bool
    completed: bool
    recover_url: str | None


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
    checkouts: tuple[CheckoutView, ...] = ()


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
        checkouts=tuple(_checkout(c) for c in profile.get("checkouts") or [] if isinstance(c, dict)),
        passed=tuple(Position(e.journey, e.stage, e.entered_at.astimezone(UTC))
                     for e in change.entered if e.left_at is not None),
    )


def _checkout(raw: dict[str, Any]) -> CheckoutView:
    started = raw.get("started_at")
    return CheckoutView(
        token=str(raw.get("token")),
        touchpoint=str(raw.get("touchpoint") or "online-shop"),
        started_at=datetime.fromisoformat(str(started).replace("Z", "+00:00")).astimezone(UTC) if started else None,
        abandoned=bool(raw.get("abandoned_at")) and not raw.get("completed_at"),
        completed=bool(raw.get("completed_at")),
        recover_url=raw.get("recover_url"),
    )
