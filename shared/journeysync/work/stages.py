"""Organisation-owned journey stages → stage_action work items. Pure: the caller reads and writes.

Entering a stage whose owner is the organisation, which names a team and says the `action` it expects
(a stage without one, such as `rated`, is followed up elsewhere — the alert) asks for one item, keyed
by (member, journey, stage, when they entered), so a redelivered change asks for the same one. Any
open stage_action item the member's current positions no longer ask for is closed: they moved on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from journeysync.config.journeys import JourneysConfig
from journeysync.work.changes import MemberView
from journeysync.work.model import OPEN, WorkItem, stage_item_id


@dataclass
class StagePlan:
    create: list[WorkItem] = field(default_factory=list)
    close: list[WorkItem] = field(default_factory=list)


def plan_stage_actions(view: MemberView, journeys: JourneysConfig, existing: list[WorkItem],
                       now: datetime) -> StagePlan:
    plan = StagePlan()
    wanted: dict[str, WorkItem] = {}
    if view.live:
        for pos in view.positions:
            journey = journeys.get(pos.journey)
            stage = journey.stage(pos.stage) if journey else None
            if stage is None or stage.owner != "organization" or not stage.team or not stage.action:
                continue
            item_id = stage_item_id(view.customer_id, pos.journey, pos.stage, pos.entered_at.isoformat())
            context = {
                "What happened": ", ".join(view.causes) or "a time-driven move",
                "Journey stage": f"{pos.journey}: {pos.stage} (entered {pos.entered_at:%Y-%m-%d %H:%M} UTC)",
                "What the stage expects": stage.action,
                "Membership": view.membership_status + (f", {view.tier}" if view.tier else ""),
            }
            wanted[item_id] = WorkItem(
                id=item_id, kind="stage_action", customer_id=view.customer_id, email=view.email, name=view.name,
                team=stage.team, title=f"{pos.journey}: {pos.stage}", created_at=now,
                sla_due_at=pos.entered_at + timedelta(hours=stage.sla_hours or 24),
                journey=pos.journey, stage=pos.stage, context=context,
            )
    have = {i.id: i for i in existing if i.kind == "stage_action"}
    plan.create = [item for item_id, item in wanted.items() if item_id not in have]
    plan.close = [i for i in have.values() if i.id not in wanted and i.status in OPEN]
    return plan
