"""The rules a survey must pass before it is sent. Pure: the caller reads the facts, these decide."""

from __future__ import annotations

from datetime import datetime, timedelta

from journeysync.config.surveys import SurveysConfig
from journeysync.surveys.model import SkipReason, Survey
from journeysync.surveys.touchpoints import SUPPRESSED

OPEN_ALERT_STATUSES = frozenset({"open", "claimed", "escalated"})


def in_quiet_hours(config: SurveysConfig, now: datetime) -> bool:
    """Whether `now` falls in the quiet hours of the organisation's time zone (DST included)."""
    return config.quiet_hours.contains(now.astimezone(config.zone).time().replace(tzinfo=None))


def quiet_until(config: SurveysConfig, now: datetime) -> datetime:
    """The first moment after `now` outside quiet hours, in UTC-aware time (minute steps; at most a day)."""
    at = now
    for _ in range(24 * 60 + 1):
        if not in_quiet_hours(config, at):
            return at
        at = at + timedelta(minutes=1)
    return at


def cap_cutoff(config: SurveysConfig, now: datetime) -> datetime:
    """A survey sent at or after this blocks another one now."""
    return now - timedelta(days=config.min_days_between)


def too_late(config: SurveysConfig, survey: Survey, now: datetime) -> bool:
    return now - survey.due_at > timedelta(hours=config.max_lateness_hours)


def refusal(
    *,
    customer_exists: bool,
    email: str | None,
    consent_status: str,
    topic_opted_out: bool,
    alert_statuses: list[str],
) -> SkipReason | None:
    """Why this member must not get a survey now, or None. Order: the most lasting reason first."""
    if not customer_exists:
        return "gone"
    if not email:
        return "no_email"
    if consent_status in SUPPRESSED:
        return "unsubscribed"
    if topic_opted_out:
        return "opted_out"
    if any(s in OPEN_ALERT_STATUSES for s in alert_statuses):
        return "open_alert"
    return None
