"""ProfileChanged → alerts. A detractor rating becomes one alert (stored first, then sent); a later change to
the same response (Delighted's comment, a changed score) updates that alert and tells the assignee.

Which ratings a change is about: those new or different since `before`. A *resync* (`before = None`,
the profile hop's at-least-once republish) looks only at recent ratings, and alert ids are stable per
response, so a redelivered or republished change never makes a second alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from journeysync.alerts import links
from journeysync.alerts.model import Alert, AlertContext, alert_id
from journeysync.alerts.notify import EmailSender, Kind, SlackWebhook, render
from journeysync.alerts.routing import assignee, normalise, route
from journeysync.alerts.store import AlertStore
from journeysync.config.routing import RoutingConfig
from journeysync.errors import FatalError
from journeysync.models.changes import ProfileChanged, customer_from_snapshot
from journeysync.models.customer import Customer, RatingSummary

OPEN_STATUSES = frozenset({"open", "claimed", "escalated"})


@dataclass
class Deps:
    store: AlertStore
    routing: RoutingConfig
    email: EmailSender
    secret: str
    base_url: str
    link_ttl_days: int = 14
    resync_window_days: int = 14
    slack_for: Callable[[str], SlackWebhook | None] = lambda team: None
    warn: Callable[[str, dict[str, Any]], None] = lambda msg, extra: None


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    notified: int = 0
    skipped: int = 0
    alert_ids: list[str] = field(default_factory=list)


def _rating_key(r: RatingSummary | dict[str, Any]) -> tuple[Any, Any]:
    if isinstance(r, dict):
        return r.get("score"), r.get("comment")
    return r.score, r.comment


def changed_ratings(change: ProfileChanged, customer: Customer, now: datetime, resync_days: int) -> list[RatingSummary]:
    """The ratings this change is about."""
    if change.before is None and change.version <= 1:  # a new customer: every rating came with this change
        return list(customer.profile.ratings)
    if change.before is None:
        since = now - timedelta(days=resync_days)
        return [r for r in customer.profile.ratings if r.at >= since]
    before = {
        r.get("response_id"): _rating_key(r)
        for r in ((change.before.get("profile") or {}).get("ratings") or [])
        if isinstance(r, dict)
    }
    return [r for r in customer.profile.ratings if before.get(r.response_id) != _rating_key(r)]


def build_context(customer: Customer, rating: RatingSummary, others: list[Alert]) -> AlertContext:
    p = customer.profile
    m = p.membership
    return AlertContext(
        name=p.display_name if (p.given_name or p.family_name) else None,
        tier=m.tier,
        membership_status=m.status,
        membership_valid_until=m.valid_until.date().isoformat() if m.valid_until else None,
        at_risk=p.at_risk,
        vip=p.vip,
        journey_stages={name: pos.stage for name, pos in customer.journeys.items()},
        recent_purchases=[
            f"{x.at.date().isoformat()} {x.title or x.category} {x.amount / 100:.2f} {x.currency}" for x in p.purchases[:3]
        ],
        recent_bookings=[f"{b.event_name or b.event_ref} ({b.status})" for b in p.bookings[:3]],
        visits=p.visits,
        last_visit_at=p.last_visit_at.date().isoformat() if p.last_visit_at else None,
        previous_ratings=[
            f"{r.at.date().isoformat()} {r.scale} {r.score} ({r.sentiment or '?'}, {r.touchpoint})"
            for r in p.ratings
            if r.response_id != rating.response_id
        ][:5],
        open_alerts=sum(1 for a in others if a.status in OPEN_STATUSES),
    )


def new_alert(deps: Deps, customer: Customer, rating: RatingSummary, others: list[Alert], now: datetime) -> Alert:
    sentiment = rating.sentiment or normalise(deps.routing, rating.scale, rating.score)
    chosen = route(deps.routing, rating, customer)
    owner = customer.profile.crm_owner
    trusted = owner if owner and deps.routing.may_receive_alerts(owner) else None
    who = assignee(deps.routing, chosen.team, trusted, 0 if trusted else deps.store.next_round_robin(chosen.team))
    return Alert(
        id=alert_id(rating.source, rating.response_id),
        customer_id=customer.customer_id,
        email=customer.identity.primary_email,
        response_id=rating.response_id,
        source=rating.source,
        scale=rating.scale,
        score=rating.score,
        sentiment=sentiment,
        comment=rating.comment,
        touchpoint=rating.touchpoint,
        location=rating.location,
        team=chosen.team,
        assignee=who,
        created_at=now,
        updated_at=now,
        sla_due_at=now + timedelta(hours=chosen.sla_hours),
        context=build_context(customer, rating, others),
    )


def _apply_rating(rating: RatingSummary, deps: Deps) -> Callable[[Alert], Alert | None]:
    def change(alert: Alert) -> Alert | None:
        if (alert.score, alert.comment) == (rating.score, rating.comment):
            return None
        alert.score = rating.score
        alert.comment = rating.comment
        alert.sentiment = rating.sentiment or normalise(deps.routing, rating.scale, rating.score)
        alert.revision += 1
        return alert

    return change


def notify(deps: Deps, alert: Alert, kind: Kind, to: str, now: datetime) -> None:
    claim = links.staff_link(deps.secret, deps.base_url, "claim", alert, to, now=now, ttl_days=deps.link_ttl_days)
    resolve = links.staff_link(deps.secret, deps.base_url, "resolve", alert, to, now=now, ttl_days=deps.link_ttl_days)
    message = render(alert, kind, claim, resolve)
    deps.email.send(to, message)
    team = deps.routing.team(alert.team)
    slack = deps.slack_for(alert.team) if team is not None and "slack" in team.channels else None
    if slack is not None:
        try:
            slack.post(message)
        except FatalError as exc:  # channel gone: the email went, tell the logs, never block
            deps.warn("slack refused the alert", {"alert_id": alert.id, "reason": str(exc)[:200]})


def _send_pending(deps: Deps, alert: Alert, now: datetime) -> bool:
    if alert.notified_revision >= alert.revision or alert.status == "resolved":
        return False
    kind: Kind = "new" if alert.notified_revision == 0 else "updated"
    notify(deps, alert, kind, alert.claimed_by or alert.assignee, now)
    target = alert.revision

    def mark(a: Alert) -> Alert | None:
        if a.notified_revision >= target:
            return None
        a.notified_revision = target
        return a

    deps.store.update(alert.customer_id, alert.id, mark)
    return True


def process_change(change: ProfileChanged, deps: Deps, now: datetime) -> Report:
    """Create or update the alerts of one ProfileChanged, then send what staff have not been told yet."""
    report = Report()
    if change.forgotten or change.merged_into:
        return report
    customer = customer_from_snapshot(change.after)
    candidates = changed_ratings(change, customer, now, deps.resync_window_days)
    if not candidates:
        return report
    existing = {a.id: a for a in deps.store.customer_alerts(customer.customer_id)}
    for rating in candidates:
        aid = alert_id(rating.source, rating.response_id)
        alert: Alert | None
        if aid in existing:
            alert, changed = deps.store.update(customer.customer_id, aid, _apply_rating(rating, deps))
            report.updated += int(changed)
        elif (rating.sentiment or normalise(deps.routing, rating.scale, rating.score)) == "detractor":
            alert = new_alert(deps, customer, rating, list(existing.values()), now)
            if deps.store.create(alert):
                report.created += 1
            else:  # a concurrent or earlier delivery stored it: make this one an update
                alert, changed = deps.store.update(customer.customer_id, aid, _apply_rating(rating, deps))
                report.updated += int(changed)
        else:
            report.skipped += 1
            continue
        if alert is None:
            continue
        report.alert_ids.append(alert.id)
        existing[alert.id] = alert
        report.notified += int(_send_pending(deps, alert, now))
    return report
