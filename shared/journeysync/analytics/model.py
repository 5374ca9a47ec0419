"""The journey report as data: what `journeysync report --json` prints and the HTML is drawn from."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from journeysync.analytics.engagement import EngagementReport


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageStats(_Out):
    stage: str
    owner: str
    outcome: bool
    current: int = Field(description="members whose position is this stage now")
    reached: int = Field(description="members whose kept history visits this stage (a funnel)")
    median_hours: float | None = Field(description="median time in the stage over visits that ended")
    median_hours_so_far: float | None = Field(description="median time so far of the members in it now")


class JourneyStats(_Out):
    journey: str
    description: str
    members: int
    stages: list[StageStats]


class Stalled(_Out):
    customer_id: str
    journey: str
    stage: str
    team: str | None
    entered_at: AwareDatetime
    sla_due_at: AwareDatetime
    overdue_hours: float


class StageCount(_Out):
    journey: str
    stage: str
    count: int


class Hotspot(_Out):
    journey: str
    stage: str = Field(description="the stage the member was in when they rated; '(none)' outside the journey")
    touchpoint: str
    detractors: int
    ratings: int


class Overlap(_Out):
    lists: list[str]
    matrix: list[list[int]] = Field(description="matrix[i][j]: customers on both lists i and j (diagonal: list size)")
    customers_on_several: int
    combinations: dict[str, int]


class Freshness(_Out):
    destination: str
    contacts: int = Field(description="sync-state items (D#<destination>) read")
    samples: int = Field(description="pushes paired with a vendor event")
    p50_seconds: float | None
    p95_seconds: float | None
    behind: int = Field(description="contacts whose state is older than the profile's current version")


class WorkTeamStats(_Out):
    created: int
    claimed_within_sla: int
    resolved: int = Field(description="resolved by staff or closed because the member moved on")
    open: int
    median_hours_to_claim: float | None


class WorkKindStats(_Out):
    kind: str
    total: WorkTeamStats
    by_team: dict[str, WorkTeamStats]


class JourneyReport(_Out):
    generated_at: AwareDatetime
    customers: int
    journeys: list[JourneyStats]
    stalled: list[Stalled]
    stalled_by_team: dict[str, int]
    no_journey: int
    no_journey_by_membership: dict[str, int]
    abandon_after_days: int
    abandoned: list[StageCount]
    ratings: int = Field(description="ratings kept on the profiles (capped per profile)")
    detractor_ratings: int
    hotspots: list[Hotspot]
    overlap: Overlap
    freshness: list[Freshness]
    freshness_method: str
    work: list[WorkKindStats] = Field(default_factory=list, description="work items per kind (stage actions, alerts)")
    notes: list[str] = Field(default_factory=list)
    engagement: EngagementReport | None = None
