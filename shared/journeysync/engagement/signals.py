"""One shape for what comes back from an email platform, whichever platform says it.

SES publishes through a configuration set's EventBridge destination: `source: aws.ses`,
`detail-type` "Email Sent" / "Email Delivered" / "Email Opened" / "Email Clicked" /
"Email Bounced" / "Email Complaint Received", `detail` = the event record (`eventType`,
`mail{messageId, timestamp, destination[], tags{name: [values]}}` and `open` / `click` /
`bounce` / `complaint` / `delivery` with their own `timestamp`). Mailchimp has no engagement
webhooks; its Reports API `email-activity` rows (`email_address`, `activity[{action, type,
timestamp}]`) are pulled on a schedule (`mailchimp_pull`).

A signal id is stable per (platform, message, kind, time), so a redelivered event is
recognised by the member's `seen` list and counted once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from journeysync.errors import BadInputError
from journeysync.identity import normalise_email

SignalKind = Literal["send", "delivery", "open", "click", "bounce", "complaint"]

SES_DETAIL_TYPES: dict[str, SignalKind] = {
    "Email Sent": "send",
    "Email Delivered": "delivery",
    "Email Opened": "open",
    "Email Clicked": "click",
    "Email Bounced": "bounce",
    "Email Complaint Received": "complaint",
}
_SES_EVENT_TYPES: dict[str, SignalKind] = {
    "Send": "send",
    "Delivery": "delivery",
    "Open": "open",
    "Click": "click",
    "Bounce": "bounce",
    "Complaint": "complaint",
}
TAG_DIVISION = "division"
TAG_TOPIC = "topic"
TAG_CAMPAIGN = "campaign"


@dataclass(frozen=True)
class Signal:
    id: str
    kind: SignalKind
    email: str
    at: datetime
    source: Literal["ses", "mailchimp"]
    message: str
    division: str = "unknown"
    topic: str | None = None
    campaign: str | None = None
    permanent: bool = False

    @property
    def send_key(self) -> str:
        """What identifies the send this signal is about: the campaign if tagged, else the message."""
        return self.campaign or self.message

    @property
    def suppresses(self) -> bool:
        """A complaint or a hard bounce: the address must not be mailed again."""
        return self.kind == "complaint" or (self.kind == "bounce" and self.permanent)


def signal_id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _when(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise BadInputError(f"{field} is missing", field=field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInputError(f"{field} is not an ISO timestamp", field=field) from None
    if parsed.tzinfo is None:
        raise BadInputError(f"{field} has no time zone", field=field)
    return parsed


def _tag(tags: dict[str, Any], name: str) -> str | None:
    values = tags.get(name)
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return values if isinstance(values, str) else None


def from_ses(event: dict[str, Any]) -> list[Signal]:
    """Signals of one SES event as EventBridge delivers it (one per recipient concerned)."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise BadInputError("an SES event needs a detail object", field="detail")
    kind = SES_DETAIL_TYPES.get(str(event.get("detail-type"))) or _SES_EVENT_TYPES.get(
        str(detail.get("eventType") or detail.get("notificationType"))
    )
    if kind is None:
        return []  # rendering failures, delays, subscriptions: nothing to count
    mail = detail.get("mail")
    if not isinstance(mail, dict) or not isinstance(mail.get("messageId"), str):
        raise BadInputError("an SES event needs mail.messageId", field="detail.mail.messageId")
    message = mail["messageId"]
    section = detail.get(kind) or {}  # the record's own section is named like its type: open, bounce, …
    at = _when(section.get("timestamp") or mail.get("timestamp"), f"detail.{kind}.timestamp")
    raw_tags = mail.get("tags")
    tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
    recipients: list[str]
    if kind == "bounce":
        recipients = [r.get("emailAddress", "") for r in section.get("bouncedRecipients") or []]
    elif kind == "complaint":
        recipients = [r.get("emailAddress", "") for r in section.get("complainedRecipients") or []]
    else:
        recipients = [r for r in mail.get("destination") or [] if isinstance(r, str)]
    permanent = kind == "bounce" and section.get("bounceType") == "Permanent"
    out = []
    for raw in recipients:
        try:
            email = normalise_email(raw)
        except ValueError:
            continue
        out.append(
            Signal(
                id=signal_id("ses", message, kind, at.isoformat(), email),
                kind=kind,
                email=email,
                at=at,
                source="ses",
                message=message,
                division=_tag(tags, TAG_DIVISION) or "unknown",
                topic=_tag(tags, TAG_TOPIC),
                campaign=_tag(tags, TAG_CAMPAIGN),
                permanent=permanent,
            )
        )
    return out


_MAILCHIMP_ACTIONS: dict[str, SignalKind] = {"open": "open", "click": "click", "bounce": "bounce"}


def from_mailchimp_activity(
    campaign_id: str, row: dict[str, Any], division: str = "unknown", topic: str | None = None
) -> list[Signal]:
    """Signals of one `GET /reports/{campaign_id}/email-activity` row (`emails[]`)."""
    try:
        email = normalise_email(str(row.get("email_address", "")))
    except ValueError:
        return []
    out = []
    for act in row.get("activity") or []:
        kind = _MAILCHIMP_ACTIONS.get(str(act.get("action")))
        if kind is None:
            continue
        at = _when(act.get("timestamp"), "emails.activity.timestamp")
        out.append(
            Signal(
                id=signal_id("mailchimp", campaign_id, kind, at.isoformat(), email),
                kind=kind,
                email=email,
                at=at,
                source="mailchimp",
                message=campaign_id,
                division=division,
                topic=topic,
                campaign=f"mailchimp:{campaign_id}",
                permanent=kind == "bounce" and act.get("type") == "hard",
            )
        )
    return out


def mailchimp_send(campaign_id: str, email: str, at: datetime, division: str, topic: str | None) -> Signal:
    """A `sent-to` row: the campaign reached this member (counts toward contact pressure)."""
    address = normalise_email(email)
    return Signal(
        id=signal_id("mailchimp", campaign_id, "send", address),
        kind="send",
        email=address,
        at=at,
        source="mailchimp",
        message=campaign_id,
        division=division,
        topic=topic,
        campaign=f"mailchimp:{campaign_id}",
    )
