"""Segment rules: the shipped segments, each operator, missing values, and config validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journeysync.config import load_config
from journeysync.config.segments import Rule, SegmentsConfig
from journeysync.models.customer import RatingSummary
from journeysync.segments import SegmentEngine, check_fields, matches, overlap, resolve
from tests.crm_to_email_support import NOW, customer


@pytest.fixture(scope="module")
def engine() -> SegmentEngine:
    return SegmentEngine(load_config("infra/config").segments)


def test_an_active_member_who_has_not_booked_is_in_the_not_yet_booked_segment(engine: SegmentEngine) -> None:
    segments = engine.evaluate(customer(), NOW)
    assert {"active-members", "dino-not-booked", "division-museum"} <= segments
    assert "dino-booked" not in segments


def test_booking_the_event_moves_a_member_from_not_booked_to_booked(engine: SegmentEngine) -> None:
    segments = engine.evaluate(customer(booked=("exh-dinosaurs-2026",)), NOW)
    assert "dino-booked" in segments
    assert "dino-not-booked" not in segments


def test_a_cancelled_booking_puts_the_member_back_in_not_booked(engine: SegmentEngine) -> None:
    c = customer(booked=("exh-dinosaurs-2026",))
    c.profile.bookings[0].status = "cancelled"
    assert "dino-not-booked" in engine.evaluate(c, NOW)


def test_new_and_expiring_members_are_time_relative(engine: SegmentEngine) -> None:
    fresh = customer(valid_from=NOW - timedelta(days=3), valid_until=NOW + timedelta(days=362))
    expiring = customer(valid_from=NOW - timedelta(days=340), valid_until=NOW + timedelta(days=20))
    assert "new-members" in engine.evaluate(fresh, NOW)
    assert "expiring-30d" not in engine.evaluate(fresh, NOW)
    assert "expiring-30d" in engine.evaluate(expiring, NOW)
    assert "new-members" not in engine.evaluate(expiring, NOW)


def test_lapsed_promoters_and_detractors(engine: SegmentEngine) -> None:
    lapsed = customer(member=False)
    lapsed.profile.membership.status = "expired"
    assert "lapsed" in engine.evaluate(lapsed, NOW)
    assert "active-members" not in engine.evaluate(lapsed, NOW)
    vip = customer()
    vip.profile.vip = True
    assert "promoters" in engine.evaluate(vip, NOW)
    unhappy = customer()
    unhappy.profile.last_survey = RatingSummary(response_id="r", scale="nps", score=2, sentiment="detractor", at=NOW)
    assert "detractors" in engine.evaluate(unhappy, NOW)


def test_a_person_on_several_division_lists_is_counted_once_per_combination(engine: SegmentEngine) -> None:
    both = engine.evaluate(customer(divisions=("museum", "cinema")), NOW)
    one = engine.evaluate(customer(divisions=("museum",)), NOW)
    assert {"division-museum", "division-cinema"} <= both
    assert overlap([both, one, both]) == {"customers_on_several": 2, "division-cinema+division-museum": 2}


def test_tombstones_and_forgotten_customers_are_in_no_segment(engine: SegmentEngine) -> None:
    c = customer()
    c.header.forgotten = True
    assert engine.evaluate(c, NOW) == frozenset()


def test_segments_map_to_ses_topics_and_mailchimp_tags(engine: SegmentEngine) -> None:
    assert engine.audiences({"active-members", "division-museum"}, "ses") == {"members", "museum"}
    assert engine.audiences({"active-members"}, "mailchimp") == {"Member"}
    assert len(engine.all_audiences("ses")) == 12


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "visits", "op": "gte", "value": 3}, True),
        ({"field": "visits", "op": "lt", "value": 3}, False),
        ({"field": "crm_owner", "op": "exists", "value": False}, True),
        ({"field": "crm_owner", "op": "eq", "value": "x"}, False),  # missing never matches by accident
        ({"field": "crm_owner", "op": "ne", "value": "x"}, True),
        ({"field": "membership.tier", "op": "in", "value": ["individual", "family"]}, True),
        ({"field": "membership.tier", "op": "not_in", "value": ["family"]}, True),
        ({"field": "membership.valid_until", "op": "gt", "value": "2026-03-02T00:00:00+00:00"}, True),
        ({"field": "membership.valid_from", "op": "older_than_days", "value": 100}, True),
        ({"field": "identity.emails", "op": "contains", "value": "ada@example.org"}, True),
        ({"field": "consent.status", "op": "eq", "value": "subscribed"}, True),
        ({"any": [{"field": "vip", "op": "eq", "value": True}, {"field": "visits", "op": "gt", "value": 2}]}, True),
        ({"not": {"field": "divisions", "op": "contains", "value": "museum"}}, False),
    ],
)
def test_operators(rule: dict[str, object], expected: bool) -> None:
    c = customer()
    c.profile.visits = 3
    assert matches(Rule.model_validate(rule), c, NOW) is expected


def test_unknown_fields_fail_config_validation_naming_the_segment() -> None:
    raw = {"segments": [{"name": "typo", "rule": {"field": "membership.statsu", "op": "eq", "value": "active"}}]}
    with pytest.raises(ValueError, match=r"typo: unknown field 'membership\.statsu'"):
        SegmentsConfig.model_validate(raw)


def test_more_than_twenty_ses_topics_is_rejected() -> None:
    raw = {
        "segments": [
            {
                "name": f"s{i}",
                "rule": {"field": "vip", "op": "eq", "value": True},
                "destinations": {"ses_topic": f"t{i}"},
            }
            for i in range(21)
        ]
    }
    with pytest.raises(ValueError, match="at most 20 topics"):
        SegmentsConfig.model_validate(raw)


def test_enabling_mailchimp_needs_a_list_id() -> None:
    with pytest.raises(ValueError, match="list_id"):
        SegmentsConfig.model_validate({"destinations": {"mailchimp": {"enabled": True}}})


def test_the_shipped_config_names_only_resolvable_fields() -> None:
    assert check_fields(load_config("infra/config").segments) == []
    assert resolve(customer(booked=("a", "b")), "bookings.event_refs") == ["a", "b"]
