"""The team's message about a work item: one rendering (subject, text, HTML), sent through the alerts' SES sender."""

from __future__ import annotations

import html

from journeysync.alerts.notify import Message
from journeysync.work.model import WorkItem

_KIND_TITLE = {"stage_action": "Action needed", "abandoned": "Follow up an abandoned purchase", "low_rating": "Poor rating"}


def render(item: WorkItem, page_url: str | None = None, *, escalated: bool = False) -> Message:
    prefix = "ESCALATED past its SLA - " if escalated else ""
    subject = (f"[{item.team}] {prefix}{_KIND_TITLE[item.kind]}: {item.name or item.email or 'a member'}"
               f" - {item.title}")
    rows = [
        ("Member", f"{item.name or '(no name)'} <{item.email or 'no email'}>"),
        *item.context.items(),
        ("Team", item.team),
        ("Due", item.sla_due_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    closing = "It closes by itself when the member moves on."
    text = "\n".join([subject, "", *(f"{k}: {v}" for k, v in rows), "", closing]
                     + ([f"Your team's open items (claim / resolve): {page_url}"] if page_url else []))
    e = html.escape
    table = "".join(f"<tr><th scope='row' align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    body = (f"<!doctype html><html lang='en'><body><h1>{e(subject)}</h1><table>{table}</table>"
            f"<p>{closing}</p>"
            + (f"<p><a href='{e(page_url)}'>Your team's open items (claim / resolve)</a></p>" if page_url else "")
            + "</body></html>")
    lines = "\n".join(f"*{_slack_escape(k)}*: {_slack_escape(v)}" for k, v in rows)
    slack = {"text": _slack_escape(subject), "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": lines[:2900]}},
    ]}
    return Message(subject=subject, text=text, html=body, slack=slack)


def _slack_escape(text: str) -> str:
    """Slack's control characters, so a member's name cannot become a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
