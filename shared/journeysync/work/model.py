"""A work item: one action a team owns. Alerts on poor ratings are the `low_rating` kind (kept in their
own store, listed alongside); entering an organisation-owned journey stage makes a `stage_action`."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

WorkKind = Literal["low_rating", "stage_action", "abandoned"]
WorkStatus = Literal["open", "claimed", "resolved", "closed", "escalated"]
KINDS: tuple[WorkKind, ...] = ("low_rating", "stage_action", "abandoned")
STATUSES: tuple[WorkStatus, ...] = ("open", "claimed", "escalated", "resolved", "closed")
OPEN: frozenset[str] = frozenset({"open", "claimed", "escalated"})
_NAMESPACE = uuid.UUID("3f0c5a52-2c1b-4d8e-8f0a-6a1d9b7e4c21")


def stage_item_id(customer_id: str, journey: str, stage: str, entered_at: str) -> str:
    """Stable for one entry into one stage: a redelivered change finds the item it made."""
    return uuid.uuid5(_NAMESPACE, f"{customer_id}|{journey}|{stage}|{entered_at}").hex[:24]


def checkout_item_id(customer_id: str, token: str) -> str:
    """One abandoned item per checkout, whatever the redeliveries and sweeps."""
    return uuid.uuid5(_NAMESPACE, f"{customer_id}|checkout|{token}").hex[:24]


class WorkItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: WorkKind
    customer_id: str
    email: str | None = None
    name: str | None = None
    team: str
    title: str
    status: WorkStatus = "open"
    created_at: AwareDatetime
    sla_due_at: AwareDatetime
    journey: str | None = None
    stage: str | None = None
    context: dict[str, str] = Field(default_factory=dict)
    notified: bool = False
    claimed_by: str | None = None
    claimed_at: AwareDatetime | None = None
    resolved_by: str | None = None
    resolved_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    close_reason: str | None = None
    escalated_at: AwareDatetime | None = None
    escalated_to: str | None = None
    escalation_notified: bool = False

    def listing(self) -> dict[str, Any]:
        """The `journeysync work list --json` shape (alerts are shown in it too)."""
        ended = self.closed_at or self.resolved_at
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "team": self.team,
            "title": self.title,
            "customer": {"email": self.email, "customer_id": self.customer_id, "name": self.name},
            "created_at": self.created_at.isoformat(),
            "sla_due_at": self.sla_due_at.isoformat(),
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
            "closed_at": ended.isoformat() if ended else None,
        }
