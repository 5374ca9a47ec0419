"""The alert record: one per survey response (customer + response id), whatever the redeliveries."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

AlertStatus = Literal["open", "claimed", "resolved", "escalated"]
STATUSES: tuple[AlertStatus, ...] = ("open", "claimed", "resolved", "escalated")
_NAMESPACE = uuid.UUID("8d5b0f4e-6c1a-4b8e-9a51-2f0c7e7a1b17")


def alert_id(source: str | None, response_id: str) -> str:
    """Stable for one response: a score and its later comment (same response id) share one alert."""
    return uuid.uuid5(_NAMESPACE, f"{source or '-'}|{response_id}").hex[:24]


class AlertContext(BaseModel):
    """What staff need to follow up without opening three systems."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    tier: str | None = None
    membership_status: str = "none"
    membership_valid_until: str | None = None
    at_risk: bool = False
    vip: bool = False
    journey_stages: dict[str, str] = Field(default_factory=dict)
    recent_purchases: list[str] = Field(default_factory=list)
    recent_bookings: list[str] = Field(default_factory=list)
    visits: int = 0
    last_visit_at: str | None = None
    previous_ratings: list[str] = Field(default_factory=list)
    open_alerts: int = 0


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: str
    customer_id: str
    email: str | None = None
    response_id: str
    source: str | None = None
    scale: str
    score: int
    sentiment: str
    comment: str | None = None
    touchpoint: str = "general"
    location: str | None = None
    team: str
    assignee: str
    status: AlertStatus = "open"
    created_at: AwareDatetime
    updated_at: AwareDatetime
    sla_due_at: AwareDatetime
    revision: int = Field(default=1, ge=1, description="bumped when score or comment change")
    notified_revision: int = Field(default=0, ge=0, description="the revision staff were last told about")
    claimed_by: str | None = None
    claimed_at: AwareDatetime | None = None
    resolved_by: str | None = None
    resolved_at: AwareDatetime | None = None
    escalated_at: AwareDatetime | None = None
    escalated_to: str | None = None
    escalation_notified: bool = False
    context: AlertContext = Field(default_factory=AlertContext)
    version: int = Field(default=0, ge=0, description="optimistic-locking counter of the stored item; 0 = new")

    def listing(self) -> dict[str, Any]:
        """The `journeysync alerts list --json` shape."""
        return {
            "id": self.id,
            "customer": {"email": self.email, "customer_id": self.customer_id, "name": self.context.name},
            "score": self.score,
            "scale": self.scale,
            "comment": self.comment,
            "team": self.team,
            "assignee": self.assignee,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "sla_due_at": self.sla_due_at.isoformat(),
        }
