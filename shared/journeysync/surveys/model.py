"""One survey per touchpoint event: planned when the event is folded, sent (or skipped) when it falls due."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

SurveyStatus = Literal["pending", "sending", "sent", "skipped"]
SkipReason = Literal["cap", "unsubscribed", "opted_out", "open_alert", "no_email", "gone", "late", "rejected"]


class Survey(BaseModel):
    """Keyed by the touchpoint event's id, so a redelivered check-in finds the survey it already planned."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str
    event_id: str
    event_type: str
    touchpoint: str
    scale: Literal["nps", "csat", "stars"]
    question: str
    status: SurveyStatus = "pending"
    planned_at: AwareDatetime
    due_at: AwareDatetime
    sent_at: AwareDatetime | None = None
    email: str | None = None
    message_id: str | None = None
    reason: SkipReason | None = None

    def outbox_entry(self) -> dict[str, Any]:
        """The `journeysync survey outbox --json` shape."""
        return {
            "email": self.email,
            "touchpoint": self.touchpoint,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "scale": self.scale,
            "customer_id": self.customer_id,
            "event_id": self.event_id,
        }
