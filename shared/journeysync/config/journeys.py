"""Service journeys: stages, who owns the next step, what moves a member in, and the SLA."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TimeTrigger = Literal["membership_expiring", "membership_lapsed", "no_visit_since"]


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageConfig(_Cfg):
    name: str = Field(min_length=1)
    owner: Literal["organization", "member"]
    entry_events: tuple[str, ...] = ()
    entry_when: TimeTrigger | None = None
    within_days: int | None = Field(default=None, ge=0)
    sla_hours: float | None = Field(default=None, gt=0)
    team: str | None = None
    action: str | None = Field(default=None, description="what the team must do when a member enters this stage")
    outcome: bool = False

    @model_validator(mode="after")
    def _org_stage_has_sla(self) -> StageConfig:
        if self.owner == "organization" and self.sla_hours is None:
            raise ValueError("an organization-owned stage needs sla_hours")
        if not self.entry_events and self.entry_when is None:
            raise ValueError("a stage needs entry_events or entry_when")
        return self


class JourneyConfig(_Cfg):
    name: str = Field(min_length=1)
    description: str = ""
    stages: tuple[StageConfig, ...] = Field(min_length=1)

    def stage(self, name: str) -> StageConfig | None:
        return next((s for s in self.stages if s.name == name), None)


class JourneysConfig(_Cfg):
    journeys: tuple[JourneyConfig, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> JourneysConfig:
        names = [j.name for j in self.journeys]
        if len(names) != len(set(names)):
            raise ValueError("journey names must be unique")
        return self

    def get(self, name: str) -> JourneyConfig | None:
        return next((j for j in self.journeys if j.name == name), None)
