"""Alert messages: one rendering (subject, text, HTML, Slack blocks) and two channels (SES v2 email, Slack).

Failures are classified like every other outbound call: throttling, 5xx and network errors are
`RetriableError` (the queue record returns and the stored alert is sent again); a Slack 404/410
(channel gone) is fatal for Slack only and never blocks the email.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Literal

from journeysync.alerts.model import Alert
from journeysync.connectors.http import HttpConnector
from journeysync.errors import RetriableError

Kind = Literal["new", "updated", "escalated"]

_SUBJECTS: dict[Kind, str] = {
    "new": "[{team}] {sentiment} rating {score}/{max} - please follow up",
    "updated": "[{team}] updated: rating {score}/{max} ({comment_state})",
    "escalated": "[{team}] ESCALATED: unclaimed {sentiment} rating {score}/{max} past its SLA",
}
_SCALE_MAX = {"nps": 10, "csat": 5, "stars": 5}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    slack: dict[str, Any]


def _lines(alert: Alert) -> list[tuple[str, str]]:
    c = alert.context
    membership = c.membership_status + (f", {c.tier}" if c.tier else "")
    if c.membership_valid_until:
        membership += f", until {c.membership_valid_until}"
    rows = [
        ("Customer", f"{c.name or '(no name)'} <{alert.email or 'no email'}>"),
        ("Score", f"{alert.score} on {alert.scale} ({alert.sentiment})"),
        ("Comment", alert.comment or "(none yet)"),
        ("Touchpoint", alert.touchpoint + (f" at {alert.location}" if alert.location else "")),
        ("Membership", membership),
        ("Flags", ", ".join(f for f, on in (("at risk", c.at_risk), ("VIP", c.vip)) if on) or "-"),
        ("Journey stage", ", ".join(f"{j}: {s}" for j, s in sorted(c.journey_stages.items())) or "-"),
        ("Recent purchases", "; ".join(c.recent_purchases) or "-"),
        ("Recent bookings", "; ".join(c.recent_bookings) or "-"),
        ("Visits", f"{c.visits}" + (f", last {c.last_visit_at}" if c.last_visit_at else "")),
        ("Previous ratings", "; ".join(c.previous_ratings) or "-"),
        ("Other open alerts", str(c.open_alerts)),
        ("Team / assignee", f"{alert.team} / {alert.assignee}"),
        ("SLA due", alert.sla_due_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return rows


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities, so customer text cannot ping (`<!channel>`) or
    disguise a link (`<https://evil.example|re-authenticate>`) in a mrkdwn field."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def one_line(text: str) -> str:
    """A header-safe line: no CR/LF or other control characters (they would start a new header)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def render(alert: Alert, kind: Kind, claim_url: str, resolve_url: str) -> Message:
    subject = one_line(_SUBJECTS[kind].format(
        team=alert.team,
        sentiment=alert.sentiment.capitalize(),
        score=alert.score,
        max=_SCALE_MAX.get(alert.scale, "?"),
        comment_state="comment added" if alert.comment else "score changed",
    ))
    rows = _lines(alert)
    text = "\n".join(
        [subject, "", *(f"{k}: {v}" for k, v in rows), "", f"Claim it: {claim_url}", f"Resolve it: {resolve_url}"]
    )
    e = html.escape
    table = "".join(f"<tr><th scope='row' align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    body = (
        f"<!doctype html><html lang='en'><body><h1>{e(subject)}</h1><table>{table}</table>"
        f"<p><a href='{e(claim_url)}'>Claim this alert</a> &middot; <a href='{e(resolve_url)}'>Mark it resolved</a></p>"
        "</body></html>"
    )
    fields = [{"type": "mrkdwn", "text": f"*{slack_escape(k)}*\n{slack_escape(v)}"} for k, v in rows[:10]]
    slack = {
        "text": slack_escape(subject),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
            {"type": "section", "fields": fields},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Claim"}, "url": claim_url},
                    {"type": "button", "text": {"type": "plain_text", "text": "Resolve"}, "url": resolve_url},
                ],
            },
        ],
    }
    return Message(subject=subject, text=text, html=body, slack=slack)


class EmailSender:
    """SES v2 SendEmail (the default channel)."""

    def __init__(self, from_address: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("sesv2")
        self.from_address = from_address
        self.ses = client
        self.sent = 0

    def send(self, to: str, message: Message) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            resp = self.ses.send_email(
                FromEmailAddress=self.from_address,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": message.text, "Charset": "UTF-8"},
                            "Html": {"Data": message.html, "Charset": "UTF-8"},
                        },
                    }
                },
            )
        except (ClientError, BotoCoreError) as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            raise RetriableError(f"SES did not take the alert email ({code})") from None
        self.sent += 1
        return str(resp.get("MessageId", ""))


class SlackWebhook(HttpConnector):
    """A Slack incoming webhook (the URL is the secret); Slack allows about 1 message per second."""

    name = "slack"

    def post(self, message: Message) -> None:
        self.request("POST", self.base_url, json=message.slack, ok=(200,))
