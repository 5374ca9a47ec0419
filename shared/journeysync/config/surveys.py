"""Survey dispatch: which touchpoints are surveyed, after how long, and the rules that keep it polite.

The defaults are the safe ones: nothing is surveyed unless a touchpoint is configured, at most one
survey per member per 30 days, never between 21:00 and 09:00 in the organisation's time zone, and
never while the member has an open alert (they are already being looked after).
"""

from __future__ import annotations

from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

Scale = Literal["nps", "csat", "stars"]


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SurveyTouchpoint(_Cfg):
    """A kind of event that is worth asking about, and how to ask."""

    event: Literal["ticket.checked_in", "membership.purchased", "membership.renewed", "ticket.booked",
                   "purchase.completed"] = Field(description="the CustomerEvent type that marks the touchpoint")
    touchpoint: str = Field(min_length=1, description="the touchpoint the rating is filed under (routing.yaml rules)")
    delay_minutes: int = Field(default=120, ge=0, le=60 * 24 * 14)
    scale: Scale = "nps"
    question: str = Field(min_length=1, max_length=300)


class QuietHours(_Cfg):
    """No survey is sent from `start` until `end` (local time; `end` may be the next morning)."""

    start: time = time(21, 0)
    end: time = time(9, 0)

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class SurveysConfig(_Cfg):
    time_zone: str = "Europe/London"
    quiet_hours: QuietHours = QuietHours()
    min_days_between: int = Field(default=30, ge=1, description="at most one survey per member per this many days")
    max_lateness_hours: int = Field(default=48, ge=1, description="a survey not sent by then is dropped, never sent late")
    sender: str | None = Field(default=None, description="From address (an SES identity); default routing.yaml alert_from")
    ses_topic: str | None = Field(default="surveys", description="a recipient who opted out of this topic is never surveyed")
    organisation: str = "us"
    touchpoints: tuple[SurveyTouchpoint, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from None
        return value

    @field_validator("touchpoints")
    @classmethod
    def _one_per_event(cls, value: tuple[SurveyTouchpoint, ...]) -> tuple[SurveyTouchpoint, ...]:
        seen = [t.event for t in value]
        dupes = sorted({e for e in seen if seen.count(e) > 1})
        if dupes:
            raise ValueError(f"each event may be surveyed once; repeated: {', '.join(dupes)}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def for_event(self, event_type: str) -> SurveyTouchpoint | None:
        return next((t for t in self.touchpoints if t.event == event_type), None)
