"""Apply signals to a member's `EngagementState`: pure, idempotent per signal id.

Opens and clicks land in an hour-of-week histogram in the organisation's time zone (Monday
00:00 = 0); `best_send_hour` is the local hour of day with the most of them, once there are
`min_events` (ties go to the earlier hour, so it is a function of the histogram alone). Sends
are keyed by campaign (else SES message id): the sender's own reservation and the SES "Send"
event for it are one send, not two.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from journeysync.engagement.model import SEEN_CAP, SEND_HORIZON_DAYS, SENDS_CAP, EngagementState, SendRecord
from journeysync.engagement.signals import Signal


def hour_of_week(at: datetime, zone: ZoneInfo) -> int:
    local = at.astimezone(zone)
    return local.weekday() * 24 + local.hour


def best_hour(histogram: list[int], min_events: int) -> int | None:
    by_hour = [sum(histogram[day * 24 + hour] for day in range(7)) for hour in range(24)]
    if sum(by_hour) < min_events:
        return None
    top = max(by_hour)
    return by_hour.index(top)


def record_send(state: EngagementState, send: SendRecord) -> bool:
    """Add `send` unless one with its key is there; True if it was added."""
    if any(s.key == send.key for s in state.sends):
        return False
    state.sends.append(send)
    state.sends.sort(key=lambda s: (s.at, s.key))
    if state.last_sent_at is None or send.at > state.last_sent_at:
        state.last_sent_at = send.at
    return True


def record_hold(state: EngagementState, hold: SendRecord, now: datetime) -> bool:
    """Note a campaign the cap held back (once per campaign); the report counts who would have got more."""
    if any(h.key == hold.key for h in state.held):
        return False
    state.held.append(hold)
    trim(state, now)
    return True


def apply_signals(
    state: EngagementState, signals: Iterable[Signal], zone: ZoneInfo, min_events: int, now: datetime
) -> bool:
    """Fold `signals` into `state` in place; True when anything changed."""
    seen = set(state.seen)
    changed = False
    for signal in signals:
        if signal.id in seen:
            continue
        seen.add(signal.id)
        state.seen.append(signal.id)
        changed = True
        if signal.kind == "send":
            record_send(
                state,
                SendRecord(
                    key=signal.send_key, at=signal.at, division=signal.division, topic=signal.topic,
                    source=signal.source,
                ),
            )
        elif signal.kind in ("open", "click"):
            state.hour_of_week[hour_of_week(signal.at, zone)] += 1
            if signal.kind == "open":
                state.opens += 1
                state.last_open_at = max(filter(None, (state.last_open_at, signal.at)))
            else:
                state.clicks += 1
                state.last_click_at = max(filter(None, (state.last_click_at, signal.at)))
        elif signal.kind == "bounce":
            if signal.permanent:
                state.hard_bounced_at = min(filter(None, (state.hard_bounced_at, signal.at)))
            else:
                state.soft_bounces += 1
        elif signal.kind == "complaint":
            state.complained_at = min(filter(None, (state.complained_at, signal.at)))
    if changed:
        trim(state, now)
        state.best_send_hour = best_hour(state.hour_of_week, min_events)
    return changed


def trim(state: EngagementState, now: datetime) -> None:
    """Keep the item small: sends within the horizon (at most SENDS_CAP), the newest SEEN_CAP ids."""
    horizon = now - timedelta(days=SEND_HORIZON_DAYS)
    state.sends = [s for s in state.sends if s.at > horizon][-SENDS_CAP:]
    state.held = [s for s in state.held if s.at > horizon][-SENDS_CAP:]
    state.seen = state.seen[-SEEN_CAP:]
