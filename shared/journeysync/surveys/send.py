"""The sweep: surveys that have fallen due → the rules → one templated email each → outbox and timeline.

Each survey moves pending → sending → sent (or skipped) by conditional writes, and the move to
`sending` takes the member's cap in the same transaction, so two sweeps, or two surveys due for
one member, never send twice. A send that fails puts both back and the next sweep retries it;
one that SES refuses for good is skipped with the reason. Quiet hours leave surveys pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from journeysync.alerts import links
from journeysync.config.routing import RoutingConfig
from journeysync.config.surveys import SurveysConfig
from journeysync.errors import FatalError, RetriableError
from journeysync.models.customer import Customer
from journeysync.models.events import CustomerEvent, IdentityKeys, SurveySent
from journeysync.surveys.email import SurveyMailer, template_data
from journeysync.surveys.model import SkipReason, Survey, SurveyStatus
from journeysync.surveys.rules import cap_cutoff, in_quiet_hours, refusal, too_late
from journeysync.surveys.store import SurveyStore

SOURCE = "journeysync.survey-dispatch"


@dataclass
class SendDeps:
    config: SurveysConfig
    routing: RoutingConfig
    store: SurveyStore
    mailer: SurveyMailer
    resolve_customer: Callable[[str], Customer | None]
    alert_statuses: Callable[[str], list[str]]
    secret: str
    base_url: str
    rating_ttl_days: int = 30
    warn: Callable[[str, dict[str, Any]], None] = lambda msg, extra: None


@dataclass
class SendReport:
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    deferred: int = 0
    failed: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def send_due(deps: SendDeps, now: datetime) -> SendReport:
    report = SendReport()
    now = now.astimezone(UTC)
    if in_quiet_hours(deps.config, now):
        report.deferred = sum(1 for _ in deps.store.by_status("pending", before=now))
        return report
    for survey in list(deps.store.by_status("pending", before=now)):
        try:
            _send_one(deps, survey, now, report)
        except RetriableError as exc:
            report.failed += 1
            deps.warn("survey not sent; the next sweep retries it", {"event_id": survey.event_id, "reason": str(exc)})
    return report


def _skip(
    deps: SendDeps, survey: Survey, reason: SkipReason, report: SendReport, expected: SurveyStatus = "pending"
) -> None:
    skipped = survey.model_copy(update={"status": "skipped", "reason": reason})
    if deps.store.finish(skipped, expected):
        report.skip(reason)


def _send_one(deps: SendDeps, survey: Survey, now: datetime, report: SendReport) -> None:
    if too_late(deps.config, survey, now):
        _skip(deps, survey, "late", report)
        return
    customer = deps.resolve_customer(survey.customer_id)
    email = customer.identity.primary_email if customer is not None else None
    reason = refusal(
        customer_exists=customer is not None,
        email=email,
        consent_status=customer.profile.email_consent.status if customer is not None else "unknown",
        topic_opted_out=bool(email) and deps.mailer.opted_out(str(email)),
        alert_statuses=deps.alert_statuses(customer.customer_id) if customer is not None else [],
    )
    if reason is not None or customer is None or not email:
        _skip(deps, survey, reason or "gone", report)
        return
    sending = survey.model_copy(update={"status": "sending", "email": email})
    claimed = deps.store.claim(sending, now, cap_cutoff(deps.config, now))
    if claimed == "taken":
        return
    if claimed == "cap":
        _skip(deps, survey, "cap", report)
        return
    urls = links.rating_links(
        deps.secret, deps.base_url, customer_id=customer.customer_id, touchpoint=survey.touchpoint,
        config=deps.routing, now=now, scale=survey.scale, ttl_days=deps.rating_ttl_days,
    )
    data = template_data(organisation=deps.config.organisation, question=survey.question,
                         name=customer.profile.given_name, links=urls)
    try:
        message_id = deps.mailer.send(email, data)
    except FatalError:
        _skip(deps, sending, "rejected", report, expected="sending")
        return
    except RetriableError:
        deps.store.release(survey)
        raise
    sent = sending.model_copy(update={"status": "sent", "sent_at": now, "message_id": message_id})
    deps.store.finish(sent, "sending")
    deps.store.record_on_timeline(sent.customer_id, _timeline_event(sent, email, now))
    report.sent += 1


def _timeline_event(survey: Survey, email: str, now: datetime) -> CustomerEvent:
    return CustomerEvent.create(
        source=SOURCE, vendor_event_id=f"survey:{survey.event_id}", time=now,
        data=SurveySent(touchpoint=survey.touchpoint, scale=survey.scale,
                        about_event_id=survey.event_id),
        identity=IdentityKeys(emails=[email]),
    )
