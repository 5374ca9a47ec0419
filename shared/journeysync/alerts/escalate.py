"""SLA: unclaimed alerts whose SLA has passed go to the team's escalation contact (scheduled).

The status flip (open → escalated) is stored first; the email follows and is marked sent
afterwards, so an SES failure leaves `escalation_notified = false` and the next run sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from journeysync.alerts.model import Alert
from journeysync.alerts.router import Deps, notify


@dataclass
class EscalationReport:
    escalated: int = 0
    notified: int = 0
    failed: int = 0


def escalate(deps: Deps, now: datetime) -> EscalationReport:
    report = EscalationReport()
    for alert in list(deps.store.by_status("open", due_before=now)):
        team = deps.routing.team(alert.team)
        contact = team.escalation_contact if team is not None else alert.assignee

        def flip(a: Alert, contact: str = contact) -> Alert | None:
            if a.status != "open" or a.sla_due_at > now:
                return None
            a.status = "escalated"
            a.escalated_at = now
            a.escalated_to = contact
            a.updated_at = now
            return a

        _, changed = deps.store.update(alert.customer_id, alert.id, flip)
        report.escalated += int(changed)
    for alert in list(deps.store.by_status("escalated")):
        if alert.escalation_notified or not alert.escalated_to:
            continue
        try:
            notify(deps, alert, "escalated", alert.escalated_to, now)
        except Exception as exc:  # the next run retries; one failure must not stop the others
            deps.warn("escalation not sent", {"alert_id": alert.id, "reason": type(exc).__name__})
            report.failed += 1
            continue

        def mark(a: Alert) -> Alert | None:
            if a.escalation_notified:
                return None
            a.escalation_notified = True
            return a

        deps.store.update(alert.customer_id, alert.id, mark)
        report.notified += 1
    return report
