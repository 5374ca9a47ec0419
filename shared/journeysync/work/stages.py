"""Organisation-owned journey stages → stage_action work items. Pure: the caller reads and writes.

Entering a stage whose owner is the organisation, which names a team and says the `action` it expects
(a stage without one, such as `rated`, is followed up elsewhere — the alert) asks for one item, keyed
by (member, journey, stage, when they entered), so a redelivered change asks for the same one. Any
open stage_action item the member's current positions no longer ask for is closed: they moved on.

One change can cover several events (a batch is written once), so a member may enter an owned stage and
leave it within it. Such a stage still gets its item — created closed ("moved on"), so the report counts
it and nobody is asked to act on it — whatever the batch boundaries were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from journeysync.config.journeys import JourneysConfig
from journeysync.work.changes import MemberView, Position
from journeysync.work.model import OPEN, WorkItem, stage_item_id

MOVED_ON = "member moved on"


@dataclass
class StagePlan:
    create: list[WorkItem] = field(default_factory=list)
    close: list[WorkItem] = field(default_factory=list)


def _stage_item(view: MemberView, pos: Position, journeys: JourneysConfig, now: datetime) -> WorkItem | None:
    journey = journeys.get(pos.journey)
    stage = journey.stage(pos.stage) if journey else None
    if stage is None or stage.owner != "organization" or not stage.team or not stage.action:
        return None
    context = {
        "What happened": ", ".join(view.causes) or "a time-driven move",
        "Journey stage": f"{pos.journey}: {pos.stage} (entered {pos.entered_at:%Y-%m-%d %H:%M} UTC)",
        "What the stage expects": stage.action,
        "Membership": view.membership_status + (f", {view.tier}" if view.tier else ""),
    }
    return WorkItem(
        id=stage_item_id(view.customer_id, pos.journey, pos.stage, pos.entered_at.isoformat()),
        kind="stage_action", customer_id=view.customer_id, email=view.email, name=view.name,
        team=stage.team, title=f"{pos.journey}: {pos.stage}", created_at=now,
        sla_due_at=pos.entered_at + timedelta(hours=stage.sla_hours or 24),
        journey=pos.journey, stage=pos.stage, context=context,
    )


def plan_stage_actions(view: MemberView, journeys: JourneysConfig, existing: list[WorkItem],
                       now: datetime) -> StagePlan:
    plan = StagePlan()
    wanted: dict[str, WorkItem] = {}
    passed: dict[str, WorkItem] = {}
    if view.live:
        for pos in view.positions:
            item = _stage_item(view, pos, journeys, now)
            if item is not None:
                wanted[item.id] = item
        for pos in view.passed:
            item = _stage_item(view, pos, journeys, now)
            if item is not None and item.id not in wanted:
                passed[item.id] = item.model_copy(update={"status": "closed", "closed_at": now,
                                                          "close_reason": MOVED_ON})
    have = {i.id: i for i in existing if i.kind == "stage_action"}
    plan.create = [item for item_id, item in {**passed, **wanted}.items() if item_id not in have]
    plan.close = [i for i in have.values() if i.id not in wanted and i.status in OPEN]
    return plan
