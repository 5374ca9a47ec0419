"""What the survey pages function does: record one-tap ratings and comments, claim and resolve alerts.

Every link is GET-safe: a GET verifies the token and shows a page with one POST button (`pages.Form`);
only the POST records, claims or resolves, so a mail gateway that fetches every link changes nothing.

A rating becomes a `survey.responded` CustomerEvent on the FIFO events queue, exactly like a
Typeform or Delighted response, so the profile hop folds it (dedupe by response id, VIP, at risk)
and the router sees it through the same ProfileChanged. The response id is the link's nonce: a
change of mind or a comment (within the edit window) updates the same response, and the same alert.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journeysync.alerts import pages, tokens
from journeysync.alerts.model import Alert
from journeysync.alerts.routing import bands
from journeysync.alerts.store import AlertStore
from journeysync.config.routing import RoutingConfig
from journeysync.errors import BadInputError
from journeysync.models.events import CustomerEvent, IdentityKeys, SurveyResponded

SOURCE = "journeysync.survey"
MAX_COMMENT = 2000


@dataclass
class PageDeps:
    secret: str | None
    routing: RoutingConfig
    alerts: AlertStore
    resolve_customer: Callable[[str], Any]  # customer id → live Customer or None
    send: Callable[[Sequence[CustomerEvent]], object]
    edit_window_seconds: int = 1800
    max_token_uses: int = 10
    log: Callable[[str, dict[str, Any]], None] = lambda msg, extra: None


def _identity(customer: Any) -> IdentityKeys | None:
    ident = customer.identity
    keys = IdentityKeys(emails=ident.emails[:1], phones=[] if ident.emails else ident.phones[:1],
                        external={} if ident.emails or ident.phones else dict(ident.external))
    return None if keys.is_empty else keys


def _token(deps: PageDeps, text: str, purpose: tokens.Purpose, now: datetime) -> tokens.Token | None:
    try:
        return tokens.verify(deps.secret or "", text, purpose, now=now)
    except tokens.TokenError as exc:
        deps.log("link refused", {"purpose": purpose, "reason": exc.reason})
        return None


def _record(
    deps: PageDeps, token: tokens.Token, score: int | None, comment: str | None, now: datetime
) -> pages.Page | tuple[int, int]:
    use = deps.alerts.use_rating_token(
        token.nonce, now=now, edit_window_seconds=deps.edit_window_seconds, max_uses=deps.max_token_uses,
        expires_at=token.expires_at, score=score,
    )
    if use.verdict != "ok":
        deps.log("rating link refused", {"reason": use.verdict, "uses": use.uses})
        return pages.TOO_MANY if use.verdict == "rate_limited" else pages.FORBIDDEN
    final = score if score is not None else use.last_score
    if final is None:  # a comment without a score first: nothing to attach it to
        return pages.FORBIDDEN
    customer = deps.resolve_customer(token.subject)
    identity = _identity(customer) if customer is not None else None
    if identity is None:
        deps.log("rating link for an unknown or erased customer", {})
        return pages.FORBIDDEN
    data = SurveyResponded(
        response_id=f"link-{token.nonce}", scale=token.extra.get("sc", "nps"), score=final, comment=comment,
        touchpoint=token.extra.get("t", "general"), location=token.extra.get("l"), survey_ref="one-click",
    )
    event = CustomerEvent.create(
        source=SOURCE, vendor_event_id=f"{token.nonce}:{use.uses}", time=now, data=data, identity=identity
    )
    deps.send([event])  # raises if not queued: the page says "try again", nothing is lost silently
    return final, use.uses


def _score(deps: PageDeps, token: tokens.Token, score_text: str | None) -> int | pages.Page:
    scale = bands(deps.routing, token.extra.get("sc", "nps"))
    try:
        score = int(str(score_text).strip())
    except ValueError:
        return pages.off_scale(scale.min, scale.max)
    if not scale.min <= score <= scale.max:
        return pages.off_scale(scale.min, scale.max)
    return score


def confirm_rating(deps: PageDeps, token_text: str, score_text: str | None, now: datetime) -> pages.Page:
    """GET /survey/{token}?score=N: the one-tap confirm page. Records nothing, counts no use."""
    token = _token(deps, token_text, "rate", now)
    if token is None:
        return pages.FORBIDDEN
    score = _score(deps, token, score_text)
    if isinstance(score, pages.Page):
        return score
    top = bands(deps.routing, token.extra.get("sc", "nps")).max
    return pages.Page(
        200, f"Your rating: {score} out of {top}", "Tap the button to send it. You can add a comment too.",
        form=pages.Form(token_text, f"Send my rating of {score}", hidden=(("score", str(score)),), comment=True),
    )


def rate(deps: PageDeps, token_text: str, score_text: str | None, now: datetime, comment: str | None = None) -> pages.Page:
    """POST /survey/{token} with `score=N` (and optionally `comment=`): records the rating."""
    token = _token(deps, token_text, "rate", now)
    if token is None:
        return pages.FORBIDDEN
    score = _score(deps, token, score_text)
    if isinstance(score, pages.Page):
        return score
    cleaned = (comment or "").strip()[:MAX_COMMENT] or None
    result = _record(deps, token, score, cleaned, now)
    if isinstance(result, pages.Page):
        return result
    top = bands(deps.routing, token.extra.get("sc", "nps")).max
    if cleaned:
        return pages.Page(200, "Thank you for your rating",
                          f"You gave us {score} out of {top}, with your comment. We have passed it on to the team.")
    return pages.Page(
        200, "Thank you for your rating",
        f"You gave us {score} out of {top}. Your answer has been recorded.",
        form=pages.Form(token_text, "Send comment", comment=True),
    )


def comment(deps: PageDeps, token_text: str, text: str | None, now: datetime) -> pages.Page:
    """POST /survey/{token} with `comment=` only (form-encoded): adds a comment to the recorded rating."""
    token = _token(deps, token_text, "rate", now)
    if token is None:
        return pages.FORBIDDEN
    cleaned = (text or "").strip()[:MAX_COMMENT] or None
    if cleaned is None:
        return pages.Page(200, "Thank you", "Your rating has been recorded. You did not add a comment.")
    result = _record(deps, token, None, cleaned, now)
    if isinstance(result, pages.Page):
        return result
    return pages.Page(200, "Thank you for your comment", "We have passed it on to the team. Thank you for your time.")


_VERBS = {"claim": "Claim this alert", "resolve": "Mark this alert resolved"}


def _staff_token(deps: PageDeps, action: str, token_text: str, now: datetime) -> tuple[tokens.Token, str, str] | None:
    token = _token(deps, token_text, action, now)  # type: ignore[arg-type]
    customer_id = token.extra.get("c") if token else None
    who = token.extra.get("w") if token else None
    if token is None or not customer_id or not who:
        return None
    return token, customer_id, who


def _details(alert: Alert) -> list[tuple[str, str]]:
    return [("Alert", alert.id), ("Score", f"{alert.score} ({alert.scale})"), ("Comment", alert.comment or "-"),
            ("Status", alert.status), ("Assignee", alert.assignee)]


def staff_confirm(deps: PageDeps, action: str, token_text: str, now: datetime) -> pages.Page:
    """GET /alerts/{claim|resolve}/{token}: the alert and a confirm button. Changes nothing."""
    if action not in _VERBS:
        return pages.NOT_FOUND
    found = _staff_token(deps, action, token_text, now)
    alert = deps.alerts.get(found[1], found[0].subject) if found else None
    if alert is None:
        return pages.FORBIDDEN
    return pages.Page(200, _VERBS[action], f"This alert is {alert.status}. Confirm to {action} it.",
                      details=_details(alert), form=pages.Form(token_text, _VERBS[action]))


def staff_action(deps: PageDeps, action: str, token_text: str, now: datetime) -> pages.Page:
    """POST /alerts/{claim|resolve}/{token}: claim works once; resolve closes the alert."""
    if action not in _VERBS:
        return pages.NOT_FOUND
    found = _staff_token(deps, action, token_text, now)
    if found is None:
        return pages.FORBIDDEN
    token, customer_id, who = found
    outcome: dict[str, str] = {}

    def change(alert: Alert) -> Alert | None:
        if action == "claim":
            if alert.status not in ("open", "escalated"):
                outcome["why"] = f"already {alert.status}" + (f" by {alert.claimed_by}" if alert.claimed_by else "")
                return None
            alert.status, alert.claimed_by, alert.claimed_at, alert.assignee = "claimed", who, now, who
        else:
            if alert.status == "resolved":
                outcome["why"] = "already resolved"
                return None
            alert.status, alert.resolved_by, alert.resolved_at = "resolved", who, now
        alert.updated_at = now
        return alert

    alert, changed = deps.alerts.update(customer_id, token.subject, change)
    if alert is None:
        return pages.FORBIDDEN
    details = _details(alert)
    deps.log(f"alert {action}", {"alert_id": alert.id, "changed": changed})
    if not changed:
        return pages.Page(409, "Nothing to do", f"This alert is {outcome.get('why', alert.status)}.", details=details)
    verb = "claimed - it is yours to follow up" if action == "claim" else "resolved"
    return pages.Page(200, f"Alert {'claimed' if action == 'claim' else 'resolved'}", f"The alert is {verb}.",
                      details=details)


def parse_form(body: str) -> dict[str, str]:
    from urllib.parse import parse_qs

    if len(body) > 16_000:
        raise BadInputError("form too large", field="body")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
