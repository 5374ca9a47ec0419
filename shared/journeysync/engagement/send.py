"""Mail campaigns to segments through SES, within the cross-division contact-pressure cap.

`plan` decides, member by member, which of the campaigns that want them are sent (priority
order when the cap binds) and which are held back and why. `send` then, for each send:
reserves it in the member's engagement item first (version-guarded, keyed by campaign id, so
two concurrent senders cannot both take the last slot and a re-run sends nothing twice), and
only then calls SES `SendEmail` through the configuration set (whose events come back through
the engagement hop) with the campaign's topic as list management (SES itself drops a contact
who unsubscribed from it). A failed send releases its reservation.

The message is raw MIME carrying `X-SES-CONFIGURATION-SET` and `X-SES-MESSAGE-TAGS` as well as
the API parameters: SES honours either, and the headers keep the tags on the message itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from journeysync.config.engagement import PressureConfig
from journeysync.consent import may_subscribe
from journeysync.engagement.fold import record_hold, record_send
from journeysync.engagement.model import EngagementState, SendRecord
from journeysync.engagement.pressure import Decision, Want, allocate, send_time_context
from journeysync.engagement.store import EngagementStore
from journeysync.errors import BadInputError
from journeysync.models.customer import Customer
from journeysync.segments.engine import SegmentEngine

_TAG_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Campaign:
    id: str
    segment: str
    division: str
    topic: str | None
    subject: str
    body: str = ""

    def __post_init__(self) -> None:
        for name in ("id", "division", "topic"):
            value = getattr(self, name)
            if value is not None and not _TAG_VALUE.match(value):
                raise BadInputError("use letters, digits, '-' and '_' only (an SES tag value)", field=f"campaign.{name}")

    @property
    def want(self) -> Want:
        return Want(self.id, self.division, self.topic)


@dataclass(frozen=True)
class PlannedSend:
    customer_id: str
    email: str
    decision: Decision


@dataclass
class SendReport:
    sent: int = 0
    held: int = 0
    failed: int = 0
    held_reasons: dict[str, int] = field(default_factory=dict)
    message_ids: list[str] = field(default_factory=list)


def plan(
    members: Iterable[tuple[Customer, frozenset[str]]],
    campaigns: Sequence[Campaign],
    states: dict[str, EngagementState],
    pressure: PressureConfig,
    now: datetime,
) -> list[PlannedSend]:
    """Each member's decisions for the campaigns whose segment holds them (consent required)."""
    out: list[PlannedSend] = []
    for customer, segments in members:
        email = customer.identity.primary_email
        if not email or not may_subscribe(customer.profile.email_consent):
            continue
        wants = [c.want for c in campaigns if c.segment in segments]
        if not wants:
            continue
        for decision in allocate(states.get(customer.customer_id), wants, pressure, now):
            out.append(PlannedSend(customer.customer_id, email, decision))
    return out


def mime(campaign: Campaign, sender: str, to: str, configuration_set: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = campaign.subject
    msg["X-SES-CONFIGURATION-SET"] = configuration_set
    tags = [f"division={campaign.division}", f"campaign={campaign.id}"]
    if campaign.topic:
        tags.append(f"topic={campaign.topic}")
    msg["X-SES-MESSAGE-TAGS"] = ", ".join(tags)
    msg.set_content(campaign.body or campaign.subject)
    return msg.as_bytes()


class SesCampaignSender:
    def __init__(self, ses: Any, sender: str, configuration_set: str, contact_list: str) -> None:
        self.ses, self.sender = ses, sender
        self.configuration_set, self.contact_list = configuration_set, contact_list

    def send(self, campaign: Campaign, to: str) -> str:
        tags = [{"Name": "division", "Value": campaign.division}, {"Name": "campaign", "Value": campaign.id}]
        kwargs: dict[str, Any] = {
            "FromEmailAddress": self.sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": mime(campaign, self.sender, to, self.configuration_set)}},
            "ConfigurationSetName": self.configuration_set,
            "EmailTags": tags,
        }
        if campaign.topic:
            tags.append({"Name": "topic", "Value": campaign.topic})
            if self.contact_list:
                kwargs["ListManagementOptions"] = {"ContactListName": self.contact_list, "TopicName": campaign.topic}
        return str(self.ses.send_email(**kwargs)["MessageId"])


def send(
    planned: Sequence[PlannedSend],
    campaigns: Sequence[Campaign],
    sender: SesCampaignSender,
    store: EngagementStore,
    pressure: PressureConfig,
    now: datetime,
) -> SendReport:
    """Reserve, then send, every planned send; count the held ones by reason."""
    by_id = {c.id: c for c in campaigns}
    report = SendReport()
    for row in planned:
        campaign = by_id[row.decision.want.campaign]
        if not row.decision.send:
            report.held += 1
            reason = row.decision.reason.split(" (")[0]
            report.held_reasons[reason] = report.held_reasons.get(reason, 0) + 1
            if reason != "already sent":
                hold = SendRecord(key=campaign.id, at=now, division=campaign.division, topic=campaign.topic)
                store.update(row.customer_id, lambda st, hold=hold: record_hold(st, hold, now))  # type: ignore[misc]
            continue
        record = SendRecord(key=campaign.id, at=now, division=campaign.division, topic=campaign.topic)
        granted: list[bool] = []

        def reserve(state: EngagementState, record: SendRecord = record, granted: list[bool] = granted) -> bool:
            granted.clear()
            fits = len(state.sends_within(now, pressure.window_days)) < pressure.cap
            granted.append(fits and record_send(state, record))
            return granted[0]

        store.update(row.customer_id, reserve)
        if not granted[0]:
            report.held += 1
            report.held_reasons["cap reached meanwhile"] = report.held_reasons.get("cap reached meanwhile", 0) + 1
            continue
        try:
            report.message_ids.append(sender.send(campaign, row.email))
            report.sent += 1
        except Exception:
            store.update(row.customer_id, _releaser(campaign.id))
            report.failed += 1
            raise
    return report


def _releaser(key: str) -> Callable[[EngagementState], bool]:
    def release(state: EngagementState) -> bool:
        before = len(state.sends)
        state.sends = [s for s in state.sends if s.key != key]
        return len(state.sends) != before

    return release


def send_campaigns(
    customers: Iterable[Customer],
    campaigns: Sequence[Campaign],
    engine: SegmentEngine,
    store: EngagementStore,
    sender: SesCampaignSender,
    pressure: PressureConfig,
    now: datetime,
    chunk: int = 100,
) -> tuple[SendReport, list[PlannedSend]]:
    """Plan and send `campaigns` over a stream of customers, `chunk` at a time (one BatchGetItem each)."""
    total = SendReport()
    planned_all: list[PlannedSend] = []
    batch: list[Customer] = []

    def flush() -> None:
        states = store.get_many([c.customer_id for c in batch])
        members = [
            (c, engine.evaluate(c, now, send_time_context(states.get(c.customer_id), pressure, now))) for c in batch
        ]
        rows = plan(members, campaigns, states, pressure, now)
        report = send(rows, campaigns, sender, store, pressure, now)
        planned_all.extend(rows)
        total.sent += report.sent
        total.held += report.held
        total.message_ids += report.message_ids
        for reason, n in report.held_reasons.items():
            total.held_reasons[reason] = total.held_reasons.get(reason, 0) + n
        batch.clear()

    for customer in customers:
        batch.append(customer)
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    return total, planned_all
