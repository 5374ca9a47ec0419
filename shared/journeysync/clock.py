"""Event times from the future: a few minutes of clock skew are tolerated, anything beyond is refused.

Event time decides last-writer-wins fields and the order of consent acts, so a sender who
could date an event next year would outvote every real act until then (a year-9999 opt-in
beats any unsubscribe; a year-9999 membership never lapses). Ingest answers such a delivery
400 naming the field; the profile hop dead-letters any that reach it by another path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

MAX_CLOCK_SKEW = timedelta(minutes=5)


def future_time_error(at: datetime, received: datetime, skew: timedelta = MAX_CLOCK_SKEW) -> str | None:
    """Why `at` is refused (it is more than `skew` after `received`), or None when it is acceptable."""
    if at <= received + skew:
        return None
    return (
        f"event time {at.isoformat()} is more than {int(skew.total_seconds())} s after it was received "
        f"({received.isoformat()}); fix the sender's clock"
    )


def scheduled_time(event: Any) -> datetime:
    """A scheduled invocation's own time ("now" for the run), so the local scheduler and tests drive the clock."""
    try:
        return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00")).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.now(UTC)
