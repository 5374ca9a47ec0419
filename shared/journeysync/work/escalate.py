"""SLA for work items: an open item past its SLA goes to the team's escalation contact (scheduled).

The status flip (open → escalated) is stored first, conditionally; the email follows and is marked
sent afterwards, so an SES failure leaves `escalation_notified = false` and the next run sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from journeysync.work.notify import render
from journeysync.work.process import WorkDeps


@dataclass
class WorkEscalationReport:
    escalated: int = 0
    notified: int = 0
    failed: int = 0


def escalate_work(deps: WorkDeps, now: datetime) -> WorkEscalationReport:
    report = WorkEscalationReport()
    for item in list(deps.store.by_status("open")):
        team = deps.routing.team(item.team)
        if item.sla_due_at > now or team is None:
            continue
        flipped = item.model_copy(update={"status": "escalated", "escalated_at": now,
                                          "escalated_to": team.escalation_contact})
        report.escalated += int(deps.store.move(flipped, "open"))
    for item in list(deps.store.by_status("escalated")):
        if item.escalation_notified or not item.escalated_to:
            continue
        message = render(item, deps.page_link(item.team, item.escalated_to), escalated=True)
        try:
            deps.send_email(item.escalated_to, message)
        except Exception as exc:  # the next run retries; one failure must not stop the others
            report.failed += 1
            deps.warn("work item escalation not sent", {"item_id": item.id, "reason": type(exc).__name__})
            continue
        report.notified += int(deps.store.move(item.model_copy(update={"escalation_notified": True}), "escalated"))
    return report
