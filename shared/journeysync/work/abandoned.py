"""Abandoned checkouts → `abandoned` work items for the team that owns the touchpoint. Pure: the caller reads
and writes.

The profile marks a checkout abandoned (the scheduled sweep, once the configured time passed with no order);
this asks for one item per checkout, keyed by (member, checkout token), so a redelivered change or a second
sweep asks for the same one. The order arriving completes the checkout and closes the item; a checkout
whose order came first is never abandoned, so it never asks for one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from journeysync.config.routing import RoutingConfig
from journeysync.work.changes import CheckoutView, MemberView
from journeysync.work.model import OPEN, WorkItem, checkout_item_id
from journeysync.work.stages import StagePlan

ORDER_ARRIVED = "the order arrived"
DEFAULT_SLA_HOURS = 24.0


def owning_team(routing: RoutingConfig, touchpoint: str) -> tuple[str, float] | None:
    """The team (and SLA) routing.yaml gives the touchpoint, else the default team; None if there is no team."""
    rule = routing.touchpoint_owner(touchpoint)
    if rule is not None:
        return rule.team, rule.sla_hours
    team = routing.default_team or (routing.teams[0].name if routing.teams else None)
    return (team, DEFAULT_SLA_HOURS) if team else None


def _item(view: MemberView, checkout: CheckoutView, routing: RoutingConfig, now: datetime) -> WorkItem | None:
    owner = owning_team(routing, checkout.touchpoint)
    if owner is None:
        return None
    team, sla_hours = owner
    context = {
        "What happened": f"started a checkout at {checkout.touchpoint}"
        + (f" on {checkout.started_at:%Y-%m-%d %H:%M} UTC" if checkout.started_at else "")
        + " and no order followed",
        "What to do": "Follow up: offer help finishing the purchase.",
        "Membership": view.membership_status + (f", {view.tier}" if view.tier else ""),
    }
    if checkout.recover_url:
        context["Where they can finish it"] = checkout.recover_url
    return WorkItem(
        id=checkout_item_id(view.customer_id, checkout.token), kind="abandoned", customer_id=view.customer_id,
        email=view.email, name=view.name, team=team, title=f"abandoned checkout at {checkout.touchpoint}",
        created_at=now, sla_due_at=now + timedelta(hours=sla_hours), context=context,
    )


def plan_abandoned(view: MemberView, routing: RoutingConfig, existing: list[WorkItem], now: datetime) -> StagePlan:
    plan = StagePlan()
    have = {i.id: i for i in existing if i.kind == "abandoned"}
    still_abandoned: set[str] = set()
    for checkout in view.checkouts if view.live else ():
        item_id = checkout_item_id(view.customer_id, checkout.token)
        if not checkout.abandoned:
            continue
        still_abandoned.add(item_id)
        item = None if item_id in have else _item(view, checkout, routing, now)
        if item is not None:
            plan.create.append(item)
    plan.close = [i for i in have.values() if i.id not in still_abandoned and i.status in OPEN]
    return plan
