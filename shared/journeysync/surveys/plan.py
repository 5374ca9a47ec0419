"""ProfileChanged → surveys planned: one per configured touchpoint event, due after its delay.

Planning is a conditional put keyed by the touchpoint event's id, so a redelivered or republished
change plans nothing twice. A member who is unsubscribed, or was surveyed inside the cap, gets a
`skipped` survey at once (visible in the store, never sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from journeysync.config.surveys import SurveysConfig
from journeysync.models.changes import ProfileChanged
from journeysync.surveys.model import Survey
from journeysync.surveys.requests import sortable
from journeysync.surveys.rules import cap_cutoff
from journeysync.surveys.store import SurveyStore
from journeysync.surveys.touchpoints import read_change


@dataclass
class PlanReport:
    planned: int = 0
    skipped: int = 0
    repeated: int = 0
    event_ids: list[str] = field(default_factory=list)


def plan_change(config: SurveysConfig, store: SurveyStore, change: ProfileChanged) -> PlanReport:
    report = PlanReport()
    view = read_change(change)
    if not view.live:
        return report
    wanted = [(t, tp) for t in view.touches if (tp := config.for_event(t.event_type)) is not None]
    if not wanted:
        return report
    last = store.last_sent_at(view.customer_id)
    capped = last is not None and last >= sortable(cap_cutoff(config, view.at))
    for touch, tp in wanted:
        survey = Survey(
            customer_id=view.customer_id, event_id=touch.event_id, event_type=touch.event_type,
            touchpoint=tp.touchpoint, scale=tp.scale, question=tp.question,
            planned_at=view.at, due_at=view.at + timedelta(minutes=tp.delay_minutes),
        )
        if view.suppressed or capped:
            survey.status, survey.reason = "skipped", ("unsubscribed" if view.suppressed else "cap")
        if not store.plan(survey):
            report.repeated += 1
            continue
        report.event_ids.append(touch.event_id)
        if survey.status == "skipped":
            report.skipped += 1
        else:
            report.planned += 1
    return report
