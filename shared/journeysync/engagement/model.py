"""A member's engagement, kept small: recent sends, an hour-of-week histogram, last open / click.

It lives in its own item (`pk C#<customer_id>`, `sk X#engagement`) beside the profile, not in
it: opens arrive by the thousand and must not rewrite (or conflict with) the profile, and
`forget` erases it with the rest of the partition. Its size is bounded: sends older than
`SEND_HORIZON_DAYS` and all but the newest `SEEN_CAP` signal ids are dropped on every write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

HOURS_PER_WEEK = 168
SEND_HORIZON_DAYS = 35
SEEN_CAP = 300
SENDS_CAP = 120


class SendRecord(BaseModel):
    """One marketing email to this member. `key` is the campaign id (or the SES message id)."""

    model_config = ConfigDict(frozen=True)

    key: str
    at: AwareDatetime
    division: str = "unknown"
    topic: str | None = None
    source: str = "ses"


class EngagementState(BaseModel):
    customer_id: str
    version: int = 0
    sends: list[SendRecord] = Field(default_factory=list)
    hour_of_week: list[int] = Field(default_factory=lambda: [0] * HOURS_PER_WEEK)
    opens: int = 0
    clicks: int = 0
    soft_bounces: int = 0
    hard_bounced_at: AwareDatetime | None = None
    complained_at: AwareDatetime | None = None
    last_sent_at: AwareDatetime | None = None
    last_open_at: AwareDatetime | None = None
    last_click_at: AwareDatetime | None = None
    best_send_hour: int | None = Field(default=None, ge=0, le=23, description="local hour with most engagement")
    seen: list[str] = Field(default_factory=list, description="ids of the newest signals applied (dedupe)")
    held: list[SendRecord] = Field(default_factory=list, description="campaigns the cap held back (recent)")

    def sends_within(self, now: datetime, days: int) -> list[SendRecord]:
        since = now - timedelta(days=days)
        return [s for s in self.sends if since < s.at <= now]

    def held_within(self, now: datetime, days: int) -> list[SendRecord]:
        since = now - timedelta(days=days)
        return [h for h in self.held if since < h.at <= now]

    def sends_by_division(self, now: datetime, days: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sends_within(now, days):
            out[s.division] = out.get(s.division, 0) + 1
        return dict(sorted(out.items()))

    def sends_by_topic(self, now: datetime, days: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sends_within(now, days):
            if s.topic:
                out[s.topic] = out.get(s.topic, 0) + 1
        return dict(sorted(out.items()))

    def summary(self, now: datetime) -> dict[str, object]:
        """What the CLI and `profile get` show (no raw events)."""
        return {
            "sends_7d": len(self.sends_within(now, 7)),
            "sends_30d": len(self.sends_within(now, 30)),
            "sends_7d_by_division": self.sends_by_division(now, 7),
            "sends_30d_by_division": self.sends_by_division(now, 30),
            "sends_30d_by_topic": self.sends_by_topic(now, 30),
            "opens": self.opens,
            "clicks": self.clicks,
            "last_open_at": self.last_open_at.isoformat() if self.last_open_at else None,
            "last_click_at": self.last_click_at.isoformat() if self.last_click_at else None,
            "best_send_hour": self.best_send_hour,
            "hard_bounced": self.hard_bounced_at is not None,
            "complained": self.complained_at is not None,
        }
