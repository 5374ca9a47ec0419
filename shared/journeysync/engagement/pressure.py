"""Contact pressure: at most `cap` marketing emails per member in any `window_days`, across divisions.

Overlapping division lists are why one person got three newsletters in a week. The cap is
per person, not per list: `remaining` counts what the member already received in the window;
`allocate` takes the campaigns that want a member now, sends the highest-priority ones
(`PressureConfig.priority`) while the window has room and holds back the rest, naming why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from journeysync.config.engagement import PressureConfig
from journeysync.engagement.model import EngagementState


@dataclass(frozen=True)
class Want:
    """A campaign that wants to mail a member: its id, division and (SES) topic."""

    campaign: str
    division: str
    topic: str | None = None


@dataclass(frozen=True)
class Decision:
    want: Want
    send: bool
    reason: str = ""


def sent_in_window(state: EngagementState | None, config: PressureConfig, now: datetime) -> int:
    return len(state.sends_within(now, config.window_days)) if state is not None else 0


def remaining(state: EngagementState | None, config: PressureConfig, now: datetime) -> int:
    return max(0, config.cap - sent_in_window(state, config, now))


def pressure_ok(state: EngagementState | None, config: PressureConfig, now: datetime) -> bool:
    """Whether one more marketing email now stays within the cap."""
    return remaining(state, config, now) > 0


def hold_reason(state: EngagementState | None, config: PressureConfig, now: datetime) -> str | None:
    """Why a member is held back now (None: not held)."""
    if pressure_ok(state, config, now):
        return None
    assert state is not None
    by_division = ", ".join(f"{k} {v}" for k, v in state.sends_by_division(now, config.window_days).items())
    return f"cap reached: {sent_in_window(state, config, now)} of {config.cap} in {config.window_days} days ({by_division})"


def allocate(
    state: EngagementState | None, wants: Sequence[Want], config: PressureConfig, now: datetime
) -> list[Decision]:
    """Send the highest-priority wants that fit in the window; hold back the rest with a reason."""
    room = remaining(state, config, now)
    already = {s.key for s in state.sends} if state is not None else set()
    ordered = sorted(wants, key=lambda w: (config.rank(w.division, w.topic), w.campaign))
    out: list[Decision] = []
    chosen: list[Want] = []
    for want in ordered:
        if want.campaign in already:
            out.append(Decision(want, False, "already sent"))
        elif len(chosen) < room:
            chosen.append(want)
            out.append(Decision(want, True))
        elif room == 0:
            out.append(Decision(want, False, hold_reason(state, config, now) or "cap reached"))
        else:
            sent_first = ", ".join(w.topic or w.division for w in chosen)
            out.append(Decision(want, False, f"cap {config.cap}/{config.window_days}d: {sent_first} came first"))
    return out


def send_time_context(state: EngagementState | None, config: PressureConfig, now: datetime) -> dict[str, object]:
    """The segment engine's send-time fields for one member (`pressure_ok`, `engagement.*`)."""
    return {
        "pressure_ok": pressure_ok(state, config, now),
        "engagement.sends_7d": len(state.sends_within(now, 7)) if state is not None else 0,
        "engagement.best_send_hour": state.best_send_hour if state is not None else None,
        "engagement.last_open_at": state.last_open_at if state is not None else None,
    }
