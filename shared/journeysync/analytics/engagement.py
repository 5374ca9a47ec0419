"""Engagement report sections: when members read (hour of week), and division overlap against real sends.

- **hour of week**: opens + clicks per local hour of the week (the organisation's time zone),
  for the whole audience and per segment (segments with any engagement);
- **overlap vs sends**: members grouped by the set of division lists they are on, with the
  marketing emails each actually received in the last 7 days (mean and max) and the cap;
- **over the cap**: members for whom campaigns were held back in the last 7 days, i.e. who
  would have received more than the cap without it (sent + held).

Pure and streaming: `EngagementAnalytics.add(segments, state)` per member, then `result()`.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from pydantic import BaseModel, ConfigDict, Field

from journeysync.config.engagement import PressureConfig
from journeysync.config.loader import AppConfig
from journeysync.engagement.model import HOURS_PER_WEEK, EngagementState
from journeysync.engagement.store import EngagementStore
from journeysync.store.profiles import ProfileStore

DIVISION_PREFIX = "division-"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class OverlapSends(_Out):
    lists: str = Field(description="the division lists, '+'-joined ('none' for none)")
    members: int
    sends_7d_mean: float
    sends_7d_max: int
    over_cap: int = Field(description="members with campaigns held back by the cap in the last 7 days")


class OverCap(_Out):
    customer_id: str
    sent_7d: int
    held_7d: int
    held_divisions: list[str]


class EngagementReport(_Out):
    timezone: str
    cap: int
    window_days: int
    members_with_engagement: int
    hour_of_week: list[int]
    hour_of_week_by_segment: dict[str, list[int]]
    best_send_hours: dict[str, int] = Field(description="local hour → members whose best_send_hour it is")
    overlap_vs_sends: list[OverlapSends]
    over_cap: list[OverCap]


class EngagementAnalytics:
    def __init__(self, pressure: PressureConfig, timezone: str, now: datetime) -> None:
        self.pressure, self.timezone, self.now = pressure, timezone, now
        self.all = [0] * HOURS_PER_WEEK
        self.by_segment: dict[str, list[int]] = {}
        self.best: dict[str, int] = {}
        self.groups: dict[str, list[tuple[int, bool]]] = {}
        self.over: list[OverCap] = []
        self.engaged = 0

    def add(self, customer_id: str, segments: frozenset[str], state: EngagementState | None) -> None:
        lists = "+".join(sorted(s.removeprefix(DIVISION_PREFIX) for s in segments if s.startswith(DIVISION_PREFIX)))
        sent = len(state.sends_within(self.now, 7)) if state else 0
        held = state.held_within(self.now, 7) if state else []
        self.groups.setdefault(lists or "none", []).append((sent, bool(held)))
        if held:
            self.over.append(OverCap(customer_id=customer_id, sent_7d=sent, held_7d=len(held),
                                     held_divisions=sorted({h.division for h in held})))
        if state is None or not any(state.hour_of_week):
            return
        self.engaged += 1
        for i, n in enumerate(state.hour_of_week):
            self.all[i] += n
        for name in segments:
            hist = self.by_segment.setdefault(name, [0] * HOURS_PER_WEEK)
            for i, n in enumerate(state.hour_of_week):
                hist[i] += n
        if state.best_send_hour is not None:
            key = f"{state.best_send_hour:02d}:00"
            self.best[key] = self.best.get(key, 0) + 1

    def result(self) -> EngagementReport:
        rows = [
            OverlapSends(
                lists=lists, members=len(v), sends_7d_mean=round(sum(s for s, _ in v) / len(v), 2),
                sends_7d_max=max(s for s, _ in v), over_cap=sum(1 for _, h in v if h),
            )
            for lists, v in sorted(self.groups.items(), key=lambda kv: (-kv[0].count("+"), kv[0]))
        ]
        return EngagementReport(
            timezone=self.timezone, cap=self.pressure.cap, window_days=self.pressure.window_days,
            members_with_engagement=self.engaged, hour_of_week=self.all,
            hour_of_week_by_segment=dict(sorted(self.by_segment.items())), best_send_hours=dict(sorted(self.best.items())),
            overlap_vs_sends=rows, over_cap=sorted(self.over, key=lambda o: (-o.held_7d, o.customer_id)),
        )


def build_engagement_report(
    profiles: ProfileStore, states: EngagementStore, config: AppConfig, now: datetime
) -> EngagementReport:
    """Both scans (engagement items, then profiles with their segments): an operator's weekly read."""
    from journeysync.segments.engine import SegmentEngine

    engine = SegmentEngine(config.segments)
    by_id = {s.customer_id: s for s in states.iter_states()}
    acc = EngagementAnalytics(config.engagement.pressure, config.engagement.timezone, now)
    for customer in profiles.iter_customers():
        if not customer.header.forgotten:
            acc.add(customer.customer_id, engine.evaluate(customer, now), by_id.get(customer.customer_id))
    return acc.result()


def heatmap_svg(hist: list[int], label: str) -> str:
    """A 7-by-24 grid (days by local hours), darker = more opens and clicks; inline SVG, no script."""
    top = max(hist) or 1
    cell, left, head = 18, 34, 16
    rects = []
    for day in range(7):
        for hour in range(24):
            n = hist[day * 24 + hour]
            shade = round(235 - 190 * n / top)
            fill = f"rgb({shade},{shade},255)" if n else "#f1f1f4"
            rects.append(
                f"<rect x='{left + hour * cell}' y='{head + day * cell}' width='{cell - 1}' height='{cell - 1}' "
                f"fill='{fill}' data-count='{n}'><title>{DAYS[day]} {hour:02d}:00 — {n}</title></rect>"
            )
    days = "".join(f"<text x='0' y='{head + d * cell + 13}' font-size='11'>{DAYS[d]}</text>" for d in range(7))
    hours = "".join(f"<text x='{left + h * cell}' y='11' font-size='10'>{h:02d}</text>" for h in range(0, 24, 3))
    width, height = left + 24 * cell, head + 7 * cell
    return (f"<svg role='img' aria-label='{escape(label)}' class=heatmap width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' xmlns='http://www.w3.org/2000/svg'>{hours}{days}{''.join(rects)}</svg>")


def render_section(report: EngagementReport) -> str:
    """The engagement sections' HTML (headings, the hour-of-week charts, the overlap-vs-sends table)."""
    rows = "".join(
        f"<tr><td>{escape(r.lists)}</td><td>{r.members}</td><td>{r.sends_7d_mean}</td><td>{r.sends_7d_max}</td>"
        f"<td>{r.over_cap}</td></tr>"
        for r in report.overlap_vs_sends
    )
    over = "".join(
        f"<tr><td>{escape(o.customer_id)}</td><td>{o.sent_7d}</td><td>{o.held_7d}</td><td>{escape(', '.join(o.held_divisions))}</td></tr>"
        for o in report.over_cap[:50]
    )
    per_segment = "".join(
        f"<h3>{escape(name)}</h3>{heatmap_svg(hist, f'hour of week: {name}')}"
        for name, hist in report.hour_of_week_by_segment.items()
        if any(hist)
    )
    best = ", ".join(f"{h} ({n})" for h, n in report.best_send_hours.items()) or "not enough engagement yet"
    return (
        f"<section id='engagement-hours' data-section='engagement-hours'><h2>Engagement by hour of week</h2>"
        f"<p>Opens and clicks by local hour ({escape(report.timezone)}) of {report.members_with_engagement} members. "
        f"Best send hours: {escape(best)}.</p>{heatmap_svg(report.hour_of_week, 'hour of week: everyone')}"
        f"<details><summary>per segment</summary>{per_segment}</details></section>"
        f"<section id='engagement-overlap' data-section='engagement-overlap'><h2>Division overlap vs actual sends</h2>"
        f"<p>Marketing emails per person in the last 7 days by the division lists they are on "
        f"(cap {report.cap} per {report.window_days} days).</p>"
        f"<table><thead><tr><th>division lists</th><th>members</th><th>sends / person (mean)</th><th>max</th>"
        f"<th>held back by the cap</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<h3>Members who would have received more than the cap</h3>"
        + (f"<table><thead><tr><th>customer</th><th>sent (7 d)</th><th>held back</th><th>held divisions</th></tr></thead>"
           f"<tbody>{over}</tbody></table>" if over else "<p>none in the last 7 days</p>")
        + "</section>"
    )
