"""The team's message about a work item: one rendering (subject, text, HTML), sent through the alerts' SES sender."""

from __future__ import annotations

import html

from journeysync.alerts.notify import Message
from journeysync.work.model import WorkItem

_KIND_TITLE = {"stage_action": "Action needed", "abandoned": "Follow up an abandoned purchase", "low_rating": "Poor rating"}


def render(item: WorkItem) -> Message:
    subject = f"[{item.team}] {_KIND_TITLE[item.kind]}: {item.name or item.email or 'a member'} - {item.title}"
    rows = [
        ("Member", f"{item.name or '(no name)'} <{item.email or 'no email'}>"),
        *item.context.items(),
        ("Team", item.team),
        ("Due", item.sla_due_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    text = "\n".join([subject, "", *(f"{k}: {v}" for k, v in rows),
                      "", "It closes by itself when the member moves on."])
    e = html.escape
    table = "".join(f"<tr><th scope='row' align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    body = (f"<!doctype html><html lang='en'><body><h1>{e(subject)}</h1><table>{table}</table>"
            "<p>It closes by itself when the member moves on.</p></body></html>")
    slack = {"text": subject}
    return Message(subject=subject, text=text, html=body, slack=slack)
