"""Score → sentiment by the configured bands, rules → team and SLA, and who gets the alert. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from journeysync.config.routing import RoutingConfig, RoutingMatch, ScaleBands
from journeysync.errors import BadInputError
from journeysync.models.customer import Customer, RatingSummary

Sentiment = Literal["detractor", "passive", "promoter"]
DEFAULT_SLA_HOURS = 24.0


def bands(config: RoutingConfig, scale: str) -> ScaleBands:
    found = config.scales.get(scale)
    if found is None:
        raise BadInputError(f"unknown scale {scale!r}", field="scale")
    return found


def normalise(config: RoutingConfig, scale: str, score: int) -> Sentiment:
    """detractor / passive / promoter for `score` on `scale`; BadInputError if off the scale."""
    b = bands(config, scale)
    if not b.min <= score <= b.max:
        raise BadInputError(f"score {score} is outside the {scale} scale {b.min}-{b.max}", field="score")
    return b.sentiment(score)


@dataclass(frozen=True)
class Route:
    team: str
    sla_hours: float
    rule: int | None  # index in routing.rules; None = default team


def _matches(match: RoutingMatch, rating: RatingSummary, customer: Customer) -> bool:
    if match.touchpoint is not None and match.touchpoint != rating.touchpoint:
        return False
    if match.location is not None and match.location != rating.location:
        return False
    if match.stage is not None and match.stage not in {j.stage for j in customer.journeys.values()}:
        return False
    return match.division is None or match.division in customer.profile.divisions


def route(config: RoutingConfig, rating: RatingSummary, customer: Customer) -> Route:
    """The first rule whose every given field matches wins; else the default team (else the first team)."""
    for index, rule in enumerate(config.rules):
        if _matches(rule.match, rating, customer):
            return Route(team=rule.team, sla_hours=rule.sla_hours, rule=index)
    team = config.default_team or (config.teams[0].name if config.teams else None)
    if team is None:
        raise BadInputError("routing.yaml defines no team to send alerts to", field="teams")
    return Route(team=team, sla_hours=DEFAULT_SLA_HOURS, rule=None)


def assignee(config: RoutingConfig, team: str, crm_owner: str | None, counter: int) -> str:
    """The customer's CRM owner if routing.yaml vouches for the address, else member `counter` (round-robin)."""
    if crm_owner and config.may_receive_alerts(crm_owner):
        return crm_owner.strip().lower()
    found = config.team(team)
    if found is None:
        raise BadInputError(f"team {team!r} is not defined", field="team")
    return found.members[counter % len(found.members)]
