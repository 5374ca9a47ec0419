"""The engagement report sections: worked answers on a hand-built audience."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from journeysync.analytics.engagement import EngagementAnalytics, render_section
from journeysync.analytics.model import JourneyReport
from journeysync.analytics.render import render_html
from journeysync.config.engagement import PressureConfig
from journeysync.engagement.model import EngagementState, SendRecord

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _state(cid: str, sends: int, held: int = 0, hours: dict[int, int] | None = None, best: int | None = None) -> EngagementState:
    hist = [0] * 168
    for h, n in (hours or {}).items():
        hist[h] = n
    return EngagementState(
        customer_id=cid,
        sends=[SendRecord(key=f"s{i}", at=NOW - timedelta(days=i + 1), division="museum") for i in range(sends)],
        held=[SendRecord(key=f"h{i}", at=NOW - timedelta(days=1), division="development") for i in range(held)],
        hour_of_week=hist,
        best_send_hour=best,
    )


def _report():  # type: ignore[no-untyped-def]
    acc = EngagementAnalytics(PressureConfig(cap=2), "Europe/London", NOW)
    acc.add("a", frozenset({"division-museum", "division-cinema", "division-development", "vip"}),
            _state("a", 2, held=1, hours={19: 3, 24 + 19: 1}, best=19))
    acc.add("b", frozenset({"division-museum", "division-cinema"}), _state("b", 1, hours={8: 2}, best=8))
    acc.add("c", frozenset({"division-museum"}), _state("c", 0))
    acc.add("d", frozenset(), None)
    return acc.result()


def test_hour_of_week_sums_everyone_and_each_segment() -> None:
    report = _report()
    assert report.hour_of_week[19] == 3 and report.hour_of_week[43] == 1 and report.hour_of_week[8] == 2
    assert sum(report.hour_of_week) == 6 and report.members_with_engagement == 2
    assert sum(report.hour_of_week_by_segment["vip"]) == 4
    assert sum(report.hour_of_week_by_segment["division-cinema"]) == 6
    assert report.best_send_hours == {"08:00": 1, "19:00": 1}


def test_overlap_vs_sends_groups_members_by_their_division_lists() -> None:
    rows = {r.lists: r for r in _report().overlap_vs_sends}
    assert set(rows) == {"cinema+development+museum", "cinema+museum", "museum", "none"}
    assert (rows["cinema+development+museum"].members, rows["cinema+development+museum"].sends_7d_max) == (1, 2)
    assert rows["cinema+development+museum"].over_cap == 1
    assert rows["cinema+museum"].sends_7d_mean == 1.0
    [over] = _report().over_cap
    assert (over.customer_id, over.sent_7d, over.held_7d, over.held_divisions) == ("a", 2, 1, ["development"])


def test_the_section_draws_the_histogram_it_was_given() -> None:
    html = render_section(_report())
    counts = [int(n) for n in re.findall(r"data-count='(\d+)'", html.split("<details>")[0])]
    assert len(counts) == 168 and sum(counts) == 6
    assert "Division overlap vs actual sends" in html and "cinema+development+museum" in html


def test_the_journey_report_includes_the_engagement_sections_only_when_it_has_them() -> None:
    from journeysync.analytics import analyse
    from tests.analytics_dataset import JOURNEYS, customers

    base = analyse([c for c, _ in customers()], JOURNEYS, NOW)
    assert "engagement-hours" not in render_html(base)
    with_engagement = JourneyReport.model_validate({**base.model_dump(), "engagement": _report().model_dump()})
    assert "data-section='engagement-hours'" in render_html(with_engagement)
