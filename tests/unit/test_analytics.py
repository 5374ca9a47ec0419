"""Journey analytics on a hand-built dataset whose answers are worked out by hand (tests/analytics_dataset.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journeysync.analytics import analyse, lag_seconds, percentile, stage_before
from journeysync.destinations.model import ContactState
from tests.analytics_dataset import ANSWERS_HOURS, JOURNEYS, NOW, customers, t


@pytest.fixture(scope="module")
def report():
    return analyse(customers(), JOURNEYS, NOW, destinations=["ses", "mailchimp"])


def test_tombstones_are_not_counted(report) -> None:
    assert report.customers == 5


def test_funnel_counts_and_median_time_in_stage(report) -> None:
    stages = {(j.journey, s.stage): s for j in report.journeys for s in j.stages}
    for key, (reached, current, median, so_far) in ANSWERS_HOURS.items():
        s = stages[key]
        assert (s.reached, s.current, s.median_hours, s.median_hours_so_far) == (reached, current, median, so_far), key
    assert [j.members for j in report.journeys] == [3, 1]


def test_stalled_members_are_past_an_organisation_stage_sla_with_the_owning_team(report) -> None:
    got = [(s.customer_id, s.journey, s.stage, s.team, s.overdue_hours) for s in report.stalled]
    assert got == [
        ("c3-cara", "visit_feedback", "rated", "visitor-experience", 3372.0),  # due derived: entered + 24 h
        ("c2-ben", "membership", "joined", "membership", 132.0),  # due as stored on the position
    ]
    assert report.stalled_by_team == {"membership": 1, "visitor-experience": 1}


def test_members_in_no_journey_by_membership_status(report) -> None:
    assert report.no_journey == 2
    assert report.no_journey_by_membership == {"expired": 1, "none": 1}


def test_abandonment_is_a_member_owned_stage_left_idle_before_the_outcome(report) -> None:
    assert [(a.journey, a.stage, a.count) for a in report.abandoned] == [("membership", "first_visit", 1)]


def test_detractor_hotspots_by_the_stage_before_the_rating_and_touchpoint(report) -> None:
    hot = {(h.journey, h.stage, h.touchpoint): (h.detractors, h.ratings) for h in report.hotspots}
    assert hot == {
        ("membership", "engaged", "cafe"): (1, 1),
        ("membership", "first_visit", "galleries"): (1, 1),
        ("membership", "(none)", "cafe"): (0, 1),
        ("visit_feedback", "(none)", "cafe"): (1, 2),
        ("visit_feedback", "visited", "galleries"): (1, 1),
    }
    assert (report.ratings, report.detractor_ratings) == (3, 2)
    assert report.hotspots[0].detractors == 1 and report.hotspots[0].ratings == 2


def test_division_overlap_matrix(report) -> None:
    o = report.overlap
    assert o.lists == ["division-cinema", "division-development", "division-museum"]
    assert o.matrix == [[3, 1, 2], [1, 1, 1], [2, 1, 3]]
    assert o.customers_on_several == 2
    assert o.combinations == {
        "division-cinema+division-development+division-museum": 1,
        "division-cinema+division-museum": 1,
    }


def test_sync_freshness_from_vendor_event_to_destination_state(report) -> None:
    fresh = {f.destination: f for f in report.freshness}
    ses, mailchimp = fresh["ses"], fresh["mailchimp"]
    assert (ses.contacts, ses.samples, ses.p50_seconds, ses.p95_seconds, ses.behind) == (2, 2, 10.0, 30.0, 0)
    assert (mailchimp.contacts, mailchimp.samples, mailchimp.p50_seconds, mailchimp.behind) == (1, 1, 120.0, 1)


def test_lag_pairs_a_push_with_the_newest_event_at_or_before_it() -> None:
    times = [t("2026-01-01T00:00:00"), t("2026-01-01T00:01:00"), t("2026-01-01T01:00:00")]
    state = ContactState("c", "ses", 1, synced_at=t("2026-01-01T00:01:05"))
    assert lag_seconds(state, times) == 5.0
    assert lag_seconds(ContactState("c", "ses", 1, synced_at=t("2025-12-31T00:00:00")), times) is None


def test_nearest_rank_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([float(v) for v in range(1, 101)], 95) == 95.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0


def test_stage_before_a_rating_is_the_stage_entered_strictly_earlier() -> None:
    position = customers()[2][0].journeys["visit_feedback"]
    assert stage_before(position, position.history[1].entered_at) == "visited"
    assert stage_before(position, position.history[1].entered_at + timedelta(seconds=1)) == "rated"
    assert stage_before(None, NOW) == "(none)"


def test_the_report_is_plain_json(report) -> None:
    data = report.model_dump(mode="json")
    assert set(data) >= {"journeys", "stalled", "no_journey", "abandoned", "hotspots", "overlap", "freshness"}
