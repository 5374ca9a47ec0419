"""Survey routing: score bands per scale, teams, and which team owns which touchpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleBands(_Cfg):
    """Inclusive upper bounds: score <= detractor_max is a detractor, <= passive_max a passive."""

    min: int
    max: int
    detractor_max: int
    passive_max: int

    @model_validator(mode="after")
    def _ordered(self) -> ScaleBands:
        if not self.min <= self.detractor_max <= self.passive_max <= self.max:
            raise ValueError("need min <= detractor_max <= passive_max <= max")
        return self

    def sentiment(self, score: int) -> Literal["detractor", "passive", "promoter"]:
        if score <= self.detractor_max:
            return "detractor"
        if score <= self.passive_max:
            return "passive"
        return "promoter"


class Team(_Cfg):
    name: str = Field(min_length=1)
    members: tuple[str, ...] = Field(min_length=1, description="staff email addresses, for round-robin")
    escalation_contact: str
    channels: tuple[Literal["email", "slack"], ...] = ("email",)
    slack_webhook_secret: str | None = Field(default=None, description="Secrets Manager name of the Slack webhook URL")


class RoutingMatch(_Cfg):
    touchpoint: str | None = None
    location: str | None = None
    stage: str | None = None
    division: str | None = None


class RoutingRule(_Cfg):
    match: RoutingMatch = Field(default_factory=RoutingMatch)
    team: str
    sla_hours: float = Field(default=24, gt=0)


ABANDON_AFTER_HOURS = 2.0


class Abandonment(_Cfg):
    """How long a started checkout at `touchpoint` may wait for its order before it counts as abandoned."""

    touchpoint: str = Field(min_length=1)
    after_hours: float = Field(default=ABANDON_AFTER_HOURS, gt=0, le=24 * 90)


class RoutingConfig(_Cfg):
    scales: dict[str, ScaleBands] = Field(
        default_factory=lambda: {
            "nps": ScaleBands(min=0, max=10, detractor_max=6, passive_max=8),
            "csat": ScaleBands(min=1, max=5, detractor_max=2, passive_max=3),
            "stars": ScaleBands(min=1, max=5, detractor_max=2, passive_max=3),
        }
    )
    teams: tuple[Team, ...] = ()
    rules: tuple[RoutingRule, ...] = ()
    default_team: str | None = None
    at_risk_after_detractors: int = Field(default=2, ge=1)
    alert_from: str = "alerts@example.org"
    abandonment: tuple[Abandonment, ...] = Field(
        default=(), description=f"per touchpoint; a touchpoint not listed waits {ABANDON_AFTER_HOURS:g} hours"
    )
    staff_domains: tuple[str, ...] = Field(
        default=(),
        description="email domains whose addresses may receive alerts as a customer's CRM owner "
        "(besides the addresses named in teams)",
    )

    @model_validator(mode="after")
    def _teams_exist(self) -> RoutingConfig:
        names = {t.name for t in self.teams}
        for i, rule in enumerate(self.rules):
            if rule.team not in names:
                raise ValueError(f"rules[{i}].team {rule.team!r} is not a defined team")
        if self.default_team and self.default_team not in names:
            raise ValueError(f"default_team {self.default_team!r} is not a defined team")
        return self

    def team(self, name: str) -> Team | None:
        return next((t for t in self.teams if t.name == name), None)

    def abandon_after(self, touchpoint: str) -> timedelta:
        rule = next((a for a in self.abandonment if a.touchpoint == touchpoint), None)
        return timedelta(hours=rule.after_hours if rule else ABANDON_AFTER_HOURS)

    def touchpoint_owner(self, touchpoint: str) -> RoutingRule | None:
        """The first rule that names `touchpoint` (and nothing else); None if only the default team would take it."""
        return next((r for r in self.rules if r.match == RoutingMatch(touchpoint=touchpoint)), None)

    def may_receive_alerts(self, address: str) -> bool:
        """Whether `address` is staff by this file: a team member or escalation contact, or in a staff domain.

        A CRM owner arrives on an event and is only as trustworthy as the event, so it routes an alert
        (with the customer's details and claim links) only when this file vouches for it."""
        wanted = address.strip().lower()
        named = {m.lower() for t in self.teams for m in (*t.members, t.escalation_contact)}
        if wanted in named:
            return True
        local, at, domain = wanted.rpartition("@")
        return bool(at and local) and domain in {d.strip().lower().lstrip("@") for d in self.staff_domains}
