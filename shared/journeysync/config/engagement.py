"""Engagement: the organisation's time zone, and the contact-pressure cap across divisions."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PressureConfig(_Cfg):
    """At most `cap` marketing emails per member in any `window_days`, whichever divisions send them.

    When more campaigns want a member than the cap allows, `priority` (division or topic names,
    first wins) decides which are sent; the rest are held back, with the reason recorded.
    """

    cap: int = Field(default=3, ge=1, le=50)
    window_days: int = Field(default=7, ge=1, le=30)
    priority: tuple[str, ...] = ()

    def rank(self, division: str, topic: str | None = None) -> int:
        """Lower sends first; a name not listed ranks after every listed one."""
        for name in (topic, division):
            if name and name in self.priority:
                return self.priority.index(name)
        return len(self.priority)


class EngagementConfig(_Cfg):
    timezone: str = Field(default="UTC", description="the organisation's time zone: best_send_hour is local")
    min_events_for_best_hour: int = Field(default=3, ge=1, description="opens + clicks before a best hour is named")
    pressure: PressureConfig = Field(default_factory=PressureConfig)
    mailchimp_lookback_days: int = Field(default=14, ge=1, le=90, description="campaigns sent this recently are pulled")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
