"""The local stand-in for SES event publishing: sent mail → SES-shaped engagement events on EventBridge.

moto records what SES v2 `SendEmail` sent (raw MIME, visible on its `/moto-api/data.json`) but
publishes no events. `SesEngagementEmitter.emit()` reads the mail sent since its last call and,
for each message sent through a configuration set that has an EventBridge destination in the
template, puts on the default bus what SES would: "Email Sent" and "Email Delivered" at the
send time, then — per a `Readers` model of recipients — "Email Opened" / "Email Clicked" at the
hours that reader reads, or a hard "Email Bounced" / "Email Complaint Received". The detail is
the SES event record (`eventType`, `mail{messageId, timestamp, destination, tags}`, and the
type's own section); the tags come from the message's `X-SES-CONFIGURATION-SET` and
`X-SES-MESSAGE-TAGS` headers, as SES derives them.

Nothing here is used in AWS: there SES publishes for real.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_string
from typing import Any
from zoneinfo import ZoneInfo

import requests

_TYPES = {
    "send": ("Email Sent", "Send"),
    "delivery": ("Email Delivered", "Delivery"),
    "open": ("Email Opened", "Open"),
    "click": ("Email Clicked", "Click"),
    "bounce": ("Email Bounced", "Bounce"),
    "complaint": ("Email Complaint Received", "Complaint"),
}
_HABITS = ((7, 8), (12, 13), (19, 20, 21), (21, 22), (9, 10))


@dataclass
class Readers:
    """How recipients behave: deterministic per address (a seed), so a demo run is reproducible.

    Each address gets a reading habit (a few local hours); it opens with `open_rate` at the next
    habit hour after delivery (within two days), clicks with `click_rate` of opens.
    `outcomes` forces an address's fate: "open", "click", "bounce", "complaint" or "ignore".
    """

    seed: int = 7
    zone: str = "Europe/London"
    open_rate: float = 0.6
    click_rate: float = 0.3
    hard_bounce_rate: float = 0.01
    complaint_rate: float = 0.005
    habits: dict[str, tuple[int, ...]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)

    def _rng(self, *parts: str) -> random.Random:
        return random.Random(hashlib.sha256("|".join((str(self.seed), *parts)).encode()).digest())

    def habit(self, email: str) -> tuple[int, ...]:
        return self.habits.get(email) or self._rng("habit", email).choice(_HABITS)

    def fate(self, email: str, message_id: str) -> str:
        if email in self.outcomes:
            return self.outcomes[email]
        roll = self._rng("fate", email, message_id).random()
        if roll < self.hard_bounce_rate:
            return "bounce"
        if roll < self.hard_bounce_rate + self.complaint_rate:
            return "complaint"
        if roll < self.hard_bounce_rate + self.complaint_rate + self.open_rate:
            clicked = self._rng("click", email, message_id).random() < self.click_rate
            return "click" if clicked else "open"
        return "ignore"

    def open_time(self, email: str, message_id: str, delivered: datetime) -> datetime:
        zone = ZoneInfo(self.zone)
        rng = self._rng("when", email, message_id)
        hour = rng.choice(self.habit(email))
        local = delivered.astimezone(zone)
        at = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        while at <= local:
            at += timedelta(days=1)
        return at.astimezone(UTC)


@dataclass
class SentMail:
    message_id: str
    source: str
    recipients: list[str]
    configuration_set: str | None
    tags: dict[str, list[str]]


def parse_raw(message_id: str, source: str, recipients: Iterable[str], raw: str) -> SentMail:
    msg = message_from_string(raw)
    tags: dict[str, list[str]] = {}
    for pair in (msg.get("X-SES-MESSAGE-TAGS") or "").split(","):
        name, _, value = pair.strip().partition("=")
        if name and value:
            tags[name.strip()] = [value.strip()]
    config_set = msg.get("X-SES-CONFIGURATION-SET")
    if config_set:
        tags["ses:configuration-set"] = [str(config_set)]
    return SentMail(message_id, source, list(recipients), str(config_set) if config_set else None, tags)


def moto_sent_mail(moto_url: str) -> list[SentMail]:
    """Raw mail moto's SES backend holds (SES v2 `SendEmail` with raw content lands there)."""
    data = requests.get(f"{moto_url.rstrip('/')}/moto-api/data.json", timeout=30).json()
    out = []
    for row in (data.get("ses") or {}).get("RawMessage") or []:
        out.append(parse_raw(str(row["id"]), str(row.get("source", "")), row.get("destinations") or [], row.get("raw_data", "")))
    return out


@dataclass
class EmitReport:
    messages: int = 0
    events: dict[str, int] = field(default_factory=dict)


class SesEngagementEmitter:
    """Call `emit()` after mail was sent; each message is played once."""

    def __init__(
        self,
        events_client: Any,
        configuration_sets: dict[str, set[str]],
        readers: Readers | None = None,
        sent_mail: Callable[[], list[SentMail]] | None = None,
        account: str = "123456789012",
    ) -> None:
        self.events = events_client
        self.configuration_sets = configuration_sets  # name → the event types it publishes
        self.readers = readers or Readers()
        self._sent_mail = sent_mail
        self.account = account
        self._done: set[str] = set()

    @classmethod
    def for_stack(cls, stack: Any, readers: Readers | None = None) -> SesEngagementEmitter:
        """The emitter for a started `LocalStack`: its configuration sets with an EventBridge destination."""
        sets: dict[str, set[str]] = {}
        for phys in stack.physical.values():
            if phys.type == "AWS::SES::ConfigurationSetEventDestination" and phys.attrs.get("EventBusArn"):
                sets.setdefault(phys.attrs["ConfigurationSetName"], set()).update(
                    t for t in phys.attrs.get("MatchingEventTypes", "").split(",") if t
                )
        url = stack.moto_url
        return cls(stack.client("events"), sets, readers, lambda: moto_sent_mail(url))

    @classmethod
    def for_state(cls, stack: Any, readers: Readers | None = None) -> SesEngagementEmitter:
        """The emitter for a local stack found by its state file (`StackInfo`) from another process."""
        from journeysync.aws import client

        sets = {
            ref.split("|", 1)[0]: set(_TYPES)
            for ref in stack.of_type("AWS::SES::ConfigurationSetEventDestination").values()
        }
        url = str(stack.moto_url)
        return cls(client("events"), sets, readers, lambda: moto_sent_mail(url))

    def emit(
        self, sent_at: datetime | None = None, until: datetime | None = None, only: set[str] | None = None
    ) -> EmitReport:
        """Play every message not yet played (or just `only` these ids) as sent at `sent_at` (default now).

        Events after `until` are left out (a past week played now stops at now).
        """
        when = sent_at or datetime.now(UTC)
        report = EmitReport()
        entries: list[dict[str, Any]] = []
        for mail in (self._sent_mail or (lambda: []))():
            if mail.message_id in self._done or (only is not None and mail.message_id not in only):
                continue
            self._done.add(mail.message_id)
            types = self.configuration_sets.get(mail.configuration_set or "")
            if not types:
                continue
            report.messages += 1
            for kind, at, extra in self._story(mail, when):
                if kind in types and (until is None or at <= until):
                    entries.append(self._entry(mail, kind, at, extra, when))
                    report.events[kind] = report.events.get(kind, 0) + 1
        for start in range(0, len(entries), 10):
            resp = self.events.put_events(Entries=entries[start : start + 10])
            if resp.get("FailedEntryCount"):
                raise RuntimeError(f"EventBridge refused {resp['FailedEntryCount']} SES events")
        return report

    def _story(self, mail: SentMail, sent_at: datetime) -> list[tuple[str, datetime, dict[str, Any]]]:
        to = mail.recipients[0] if mail.recipients else ""
        delivered = sent_at + timedelta(seconds=2)
        fate = self.readers.fate(to, mail.message_id)
        story: list[tuple[str, datetime, dict[str, Any]]] = [("send", sent_at, {})]
        if fate == "bounce":
            return [*story, ("bounce", delivered, {"bounceType": "Permanent", "bounceSubType": "General",
                                                   "bouncedRecipients": [{"emailAddress": to, "action": "failed",
                                                                          "status": "5.1.1"}]})]
        story.append(("delivery", delivered, {"recipients": [to], "smtpResponse": "250 2.6.0 Message received"}))
        if fate == "complaint":
            return [*story, ("complaint", delivered + timedelta(hours=1),
                             {"complainedRecipients": [{"emailAddress": to}], "complaintFeedbackType": "abuse"})]
        if fate in ("open", "click"):
            opened = self.readers.open_time(to, mail.message_id, delivered)
            story.append(("open", opened, {"userAgent": "Mozilla/5.0", "ipAddress": "192.0.2.1"}))
            if fate == "click":
                story.append(("click", opened + timedelta(seconds=40),
                              {"link": "https://riverside-museum.example/whats-on", "userAgent": "Mozilla/5.0",
                               "ipAddress": "192.0.2.1", "linkTags": {}}))
        return story

    def _entry(
        self, mail: SentMail, kind: str, at: datetime, extra: dict[str, Any], sent_at: datetime
    ) -> dict[str, Any]:
        detail_type, event_type = _TYPES[kind]
        stamp = _stamp(at)
        detail = {
            "eventType": event_type,
            "mail": {
                "timestamp": _stamp(sent_at),
                "source": mail.source,
                "sendingAccountId": self.account,
                "messageId": mail.message_id,
                "destination": mail.recipients,
                "headersTruncated": False,
                "tags": mail.tags,
            },
            kind: {"timestamp": stamp, **extra},
        }
        return {"Source": "aws.ses", "DetailType": detail_type, "Detail": json.dumps(detail), "Time": at,
                "EventBusName": "default", "Resources": []}


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
