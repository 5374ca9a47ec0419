"""ProfileChanged → stage_action and abandoned work items created (stored, then the team is emailed) or closed.

An item is stored before the email goes; a failed email fails the record, and the redelivery finds
the stored item not yet `notified` and sends it then — at least once, never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeysync.config.journeys import JourneysConfig
from journeysync.config.routing import RoutingConfig
from journeysync.models.changes import ProfileChanged
from journeysync.work.abandoned import ORDER_ARRIVED, plan_abandoned
from journeysync.work.changes import read_change
from journeysync.work.model import WorkItem
from journeysync.work.notify import render
from journeysync.work.stages import MOVED_ON, plan_stage_actions
from journeysync.work.store import WorkItemStore


@dataclass
class WorkDeps:
    store: WorkItemStore
    journeys: JourneysConfig
    routing: RoutingConfig
    send_email: Callable[[str, Any], object]
    page_link: Callable[[str, str], str | None] = lambda team, member: None
    warn: Callable[[str, dict[str, Any]], None] = lambda msg, extra: None
    slack_for: Callable[[str], Any] = lambda team: None  # team → SlackWebhook where routing.yaml configures one


@dataclass
class WorkReport:
    created: int = 0
    closed: int = 0
    notified: int = 0
    item_ids: list[str] = field(default_factory=list)


def _notify(deps: WorkDeps, item: WorkItem) -> bool:
    team = deps.routing.team(item.team)
    if team is None or item.notified:
        return False
    for member in team.members:  # each gets their own signed link to the team's page
        deps.send_email(member, render(item, deps.page_link(item.team, member)))
    slack = deps.slack_for(item.team) if "slack" in team.channels else None
    if slack is not None:
        try:
            slack.post(render(item))
        except Exception as exc:  # Slack is the second channel: the email went, the item is stored
            deps.warn("work item not posted to Slack", {"item_id": item.id, "reason": type(exc).__name__})
    sent = item.model_copy(update={"notified": True})
    return deps.store.move(sent, item.status)


def process_change(change: ProfileChanged, deps: WorkDeps, now: datetime) -> WorkReport:
    report = WorkReport()
    view = read_change(change)
    existing = deps.store.customer_items(change.customer_id)
    stages = plan_stage_actions(view, deps.journeys, existing, now)
    abandoned = plan_abandoned(view, deps.routing, existing, now)
    fresh = [item for item in [*stages.create, *abandoned.create] if deps.store.create(item)]
    report.created = len(fresh)
    report.item_ids += [item.id for item in fresh]
    pending = [i for i in existing if i.kind in ("stage_action", "abandoned") and not i.notified and i.status == "open"]
    for item in [*(i for i in fresh if i.status == "open"), *pending]:
        report.notified += int(_notify(deps, item))
    closing = [(i, MOVED_ON) for i in stages.close] + [(i, ORDER_ARRIVED if view.live else MOVED_ON)
                                                      for i in abandoned.close]
    for item, reason in closing:
        closed = item.model_copy(update={"status": "closed", "closed_at": now, "close_reason": reason})
        if deps.store.move(closed, item.status):
            report.closed += 1
            report.item_ids.append(item.id)
    return report
