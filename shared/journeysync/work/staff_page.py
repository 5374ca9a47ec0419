"""The staff page: a team's open work items, server-rendered, behind the same signed links as the alerts.

`GET /work/{token}` only shows the page; claiming or resolving is a `POST` of the form on it, so a mail
scanner that prefetches the link changes nothing. The token (purpose `team`) names the team and the
staff member it was mailed to; whoever holds it acts as that member, for that team's items only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journeysync.alerts import tokens
from journeysync.alerts.pages import _STYLE, FORBIDDEN, NOT_FOUND, Page
from journeysync.work.model import OPEN, WorkItem
from journeysync.work.store import WorkItemStore

TTL_DAYS = 14


def staff_link(secret: str, base_url: str, team: str, member: str, *, now: datetime, ttl_days: int = TTL_DAYS) -> str:
    token = tokens.sign(secret, "team", team, now=now, ttl_seconds=ttl_days * 86400, extra={"w": member})
    return f"{base_url.rstrip('/')}/work/{token}"


@dataclass
class StaffDeps:
    secret: str | None
    store: WorkItemStore
    open_items: Callable[[str], list[WorkItem]]  # team → its open items (stage actions, alerts), newest first
    log: Callable[[str, dict[str, Any]], None] = lambda msg, extra: None


@dataclass(frozen=True)
class StaffPage(Page):
    """A Page with the team's table of items (each with claim / resolve buttons posting back to the page)."""

    items: tuple[WorkItem, ...] = ()
    token: str = ""

    def html(self) -> str:
        e = html.escape
        rows = []
        for item in self.items:
            buttons = "".join(
                f"<button type='submit' name='action' value='{action}'>{label}</button> "
                for action, label in (("claim", "Claim"), ("resolve", "Resolve"))
                if item.kind != "low_rating" and (action == "resolve" or item.status == "open")
            )
            form = (f"<form method='post' action='{e(self.token)}'><input type='hidden' name='item' "
                    f"value='{e(item.id)}'>{buttons}</form>") if buttons else "(use the alert email's links)"
            rows.append(
                f"<tr data-item='{e(item.id)}'><td>{e(item.kind)}</td><td>{e(item.title)}</td>"
                f"<td>{e(item.name or '')} {e(item.email or '')}</td><td>{e(item.status)}</td>"
                f"<td>{item.sla_due_at:%Y-%m-%d %H:%M} UTC</td><td>{form}</td></tr>"
            )
        table = ("<table><caption>Open items, newest first</caption><thead><tr><th scope='col'>Kind</th>"
                 "<th scope='col'>What</th><th scope='col'>Member</th><th scope='col'>Status</th>"
                 "<th scope='col'>Due</th><th scope='col'>Act</th></tr></thead><tbody>" + "".join(rows)
                 + "</tbody></table>") if rows else "<p>Nothing open. Well done.</p>"
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{e(self.title)}</title><style>{_STYLE}td,th{{padding:.3rem;text-align:left}}</style></head>"
            f"<body><main><h1>{e(self.title)}</h1><p role='status'>{e(self.message)}</p>{table}</main></body></html>"
        )


def _token(deps: StaffDeps, text: str, now: datetime) -> tokens.Token | None:
    try:
        token = tokens.verify(deps.secret or "", text, "team", now=now)
    except tokens.TokenError as exc:
        deps.log("staff link refused", {"reason": exc.reason})
        return None
    return token if token.extra.get("w") else None


def _listing(deps: StaffDeps, token: tokens.Token, token_text: str, message: str, status: int = 200) -> Page:
    items = tuple(deps.open_items(token.subject))
    return StaffPage(status, f"Open work for the {token.subject} team", message, items=items, token=token_text)


def show(deps: StaffDeps, token_text: str, now: datetime) -> Page:
    """GET /work/{token}: the page, nothing else."""
    token = _token(deps, token_text, now)
    if token is None:
        return FORBIDDEN
    return _listing(deps, token, token_text, f"Signed in as {token.extra['w']}.")


def act(deps: StaffDeps, token_text: str, form: dict[str, str], now: datetime) -> Page:
    """POST /work/{token} with `item` and `action` (claim | resolve): one item of this team's, once."""
    token = _token(deps, token_text, now)
    if token is None:
        return FORBIDDEN
    action, item_id = form.get("action"), form.get("item") or ""
    if action not in ("claim", "resolve"):
        return Page(400, "That did not work", "Choose Claim or Resolve.")
    who = token.extra["w"]
    item = next((i for i in deps.open_items(token.subject) if i.id == item_id and i.kind != "low_rating"), None)
    if item is None or item.team != token.subject:
        return NOT_FOUND
    if action == "claim":
        if item.status != "open":
            return _listing(deps, token, token_text, f"That item is already {item.status}.", 409)
        changed = item.model_copy(update={"status": "claimed", "claimed_by": who, "claimed_at": now})
    else:
        changed = item.model_copy(update={"status": "resolved", "resolved_by": who, "resolved_at": now})
    if not deps.store.move(changed, item.status):
        return _listing(deps, token, token_text, "Someone changed that item just now; here is the page again.", 409)
    deps.log(f"work item {action}", {"item_id": item.id})
    verb = "claimed - it is yours" if action == "claim" else "resolved"
    return _listing(deps, token, token_text, f"'{item.title}' {verb}.")


def team_open_items(store: WorkItemStore, alerts: Any, team: str) -> list[WorkItem]:
    """A team's open stage actions and alerts, newest first."""
    from journeysync.work.listing import from_alert

    found = [i for status in OPEN for i in store.by_status(status) if i.team == team]  # type: ignore[arg-type]
    found += [from_alert(a) for status in OPEN for a in alerts.by_status(status) if a.team == team]
    return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)
