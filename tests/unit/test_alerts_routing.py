"""Normalisation, routing rules and assignees for survey follow-up (pure, no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from journeysync_local.template import load_template, repo_root

from journeysync.alerts.routing import assignee, normalise, route
from journeysync.config.loader import load_config
from journeysync.config.routing import RoutingConfig
from journeysync.errors import BadInputError
from journeysync.models.customer import Customer, JourneyPosition, Profile, RatingSummary

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def routing() -> RoutingConfig:
    return load_config().routing


def _rating(touchpoint: str = "general", location: str | None = None, score: int = 3) -> RatingSummary:
    return RatingSummary(response_id="r1", scale="nps", score=score, touchpoint=touchpoint, location=location, at=NOW)


@pytest.mark.parametrize(
    ("scale", "score", "expected"),
    [("nps", 0, "detractor"), ("nps", 6, "detractor"), ("nps", 7, "passive"), ("nps", 8, "passive"),
     ("nps", 9, "promoter"), ("nps", 10, "promoter"), ("csat", 1, "detractor"), ("csat", 2, "detractor"),
     ("csat", 3, "passive"), ("csat", 4, "promoter"), ("stars", 5, "promoter")],
)
def test_scores_band_into_sentiment_by_the_configured_scale(
    routing: RoutingConfig, scale: str, score: int, expected: str
) -> None:
    assert normalise(routing, scale, score) == expected


@pytest.mark.parametrize(("scale", "score"), [("nps", -1), ("nps", 11), ("csat", 0), ("stars", 6)])
def test_a_score_off_the_scale_is_bad_input(routing: RoutingConfig, scale: str, score: int) -> None:
    with pytest.raises(BadInputError) as exc:
        normalise(routing, scale, score)
    assert exc.value.field == "score"


def test_an_unknown_scale_is_bad_input(routing: RoutingConfig) -> None:
    with pytest.raises(BadInputError):
        normalise(routing, "smileys", 3)


def test_touchpoint_rules_pick_the_owning_team_with_its_sla(routing: RoutingConfig) -> None:
    chosen = route(routing, _rating("membership-desk"), Customer(customer_id="c"))
    assert (chosen.team, chosen.sla_hours, chosen.rule) == ("membership", 24, 0)
    assert route(routing, _rating("visit"), Customer(customer_id="c")).team == "visitor-experience"


def test_division_and_journey_stage_rules_match_the_customer(routing: RoutingConfig) -> None:
    cinema_goer = Customer(customer_id="c", profile=Profile(divisions=["cinema"]))
    assert route(routing, _rating("visit"), cinema_goer).team == "cinema"  # the division rule comes first
    renewing = Customer(
        customer_id="c",
        journeys={"membership": JourneyPosition(journey="membership", stage="renewal_due", entered_at=NOW)},
    )
    chosen = route(routing, _rating("general"), renewing)
    assert (chosen.team, chosen.sla_hours) == ("membership", 12)


def test_no_matching_rule_goes_to_the_default_team(routing: RoutingConfig) -> None:
    chosen = route(routing, _rating("gift-shop"), Customer(customer_id="c"))
    assert (chosen.team, chosen.rule) == ("visitor-experience", None)


def test_a_rule_with_several_fields_needs_all_of_them(routing: RoutingConfig) -> None:
    cfg = routing.model_copy(
        update={"rules": (RoutingConfig.model_validate(
            {"teams": [t.model_dump() for t in routing.teams],
             "rules": [{"match": {"touchpoint": "visit", "location": "north-wing"}, "team": "cinema"}]}
        ).rules)}
    )
    assert route(cfg, _rating("visit", "north-wing"), Customer(customer_id="c")).team == "cinema"
    assert route(cfg, _rating("visit", "south-wing"), Customer(customer_id="c")).team == "visitor-experience"


def test_the_crm_owner_gets_the_alert_else_round_robin_within_the_team(routing: RoutingConfig) -> None:
    assert assignee(routing, "membership", "owner@riverside-museum.example", 5) == "owner@riverside-museum.example"
    members = [assignee(routing, "membership", None, n) for n in range(4)]
    assert members == ["membership@riverside-museum.example", "membership-lead@riverside-museum.example"] * 2


def test_the_template_sender_is_a_deploy_parameter_and_the_local_stack_uses_the_demo_alert_from(
    routing: RoutingConfig,
) -> None:
    template = load_template()
    assert template["Resources"]["AlertSenderIdentity"]["Properties"]["EmailIdentity"] == {"Ref": "SenderAddress"}
    assert "Default" not in template["Parameters"]["SenderAddress"]
    local = json.loads((repo_root() / "infra" / "local-parameters.json").read_text())
    assert local["SenderAddress"] == routing.alert_from


def test_a_crm_owner_outside_routing_yaml_never_receives_the_alert(routing: RoutingConfig) -> None:
    # the owner comes from an event, so an attacker's address must fall back to the team's round-robin
    assert assignee(routing, "membership", "attacker@evil.example", 1) == "membership-lead@riverside-museum.example"
    assert assignee(routing, "membership", "x@riverside-museum.example.evil.example", 0) != (
        "x@riverside-museum.example.evil.example"
    )
    bare = routing.model_copy(update={"staff_domains": ()})
    assert assignee(bare, "membership", "owner@riverside-museum.example", 0) == "membership@riverside-museum.example"
    assert assignee(bare, "membership", "Cinema-Manager@riverside-museum.example", 0) == (
        "cinema-manager@riverside-museum.example"
    )
