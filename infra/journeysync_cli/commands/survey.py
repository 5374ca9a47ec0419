"""`journeysync survey links` (one-click rating links for an email), `survey outbox` and `journeysync alerts list`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

survey_app = typer.Typer(help="One-click survey links.", no_args_is_help=True)
alerts_app = typer.Typer(help="Low-rating alerts routed to staff.", no_args_is_help=True)


def _stack() -> Any:
    return connect_or_exit()


@survey_app.command("links")
def links(
    email: Annotated[str, typer.Option("--email", help="the customer's email (must be a known customer)")],
    touchpoint: Annotated[str, typer.Option("--touchpoint", help="visit, membership-desk, event, ...")],
    scale: Annotated[str, typer.Option("--scale", help="nps, csat or stars")] = "nps",
    location: Annotated[str | None, typer.Option("--location")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print {score: url} as JSON")] = False,
) -> None:
    """Print the per-score rating links to put in an email (one token binds customer, touchpoint and scale)."""
    stack = _stack()
    from journeysync.alerts.links import rating_links
    from journeysync.alerts.settings import SurveySettings
    from journeysync.config.loader import load_config
    from journeysync.errors import BadInputError, ConfigError
    from journeysync.profile.view import find
    from journeysync.secrets import get_secret
    from journeysync.store.profiles import ProfileStore

    try:
        config = load_config()
    except ConfigError as exc:
        fail(str(exc))
    settings = SurveySettings()
    secret = get_secret(settings.survey_secret_name, stack.secrets_prefix)
    if not secret:
        fail(f"the signing secret {stack.secrets_prefix}{settings.survey_secret_name} does not exist")
    try:
        customer = find(ProfileStore(stack.resource("Table")), email=email)
    except ValueError as exc:
        fail(f"--email: {exc}")
    if customer is None:
        fail(f"no customer has the email {email}")
    base = stack.gateway_url or str(stack.outputs.get("SurveyBaseUrl", "")).removesuffix("/survey")
    try:
        urls = rating_links(secret, base, customer_id=customer.customer_id, touchpoint=touchpoint,
                            config=config.routing, now=datetime.now(UTC), scale=scale, location=location,
                            ttl_days=settings.rating_ttl_days)
    except BadInputError as exc:
        fail(f"--scale: {exc.message}")
    if as_json:
        print_json({str(k): v for k, v in urls.items()})
        return
    for score, url in urls.items():
        console.print(f"{score:>2}  {url}", highlight=False, soft_wrap=True)


@survey_app.command("outbox")
def outbox(
    limit: Annotated[int, typer.Option("--limit", min=1, help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="[{email, touchpoint, sent_at, scale, ...}]")] = False,
) -> None:
    """The survey emails sent after touchpoints, newest first."""
    stack = _stack()
    from itertools import islice

    from journeysync.surveys.store import SurveyStore

    found = [s.outbox_entry() for s in islice(SurveyStore(stack.resource("Table")).by_status("sent", newest_first=True), limit)]
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("no surveys sent yet")
    for entry in found:
        console.print(f"{entry['sent_at']}  {entry['touchpoint']:<16} {entry['scale']:<5} {entry['email']}", highlight=False)


@alerts_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="open, claimed, resolved or escalated")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The alerts, newest first."""
    from journeysync.alerts.model import STATUSES

    if status is not None and status not in STATUSES:
        fail(f"--status: must be one of {', '.join(STATUSES)}")
    stack = _stack()
    from journeysync.alerts.listing import list_alerts
    from journeysync.alerts.store import AlertStore

    found = list_alerts(AlertStore(stack.resource("Table")), [status] if status else STATUSES)
    if as_json:
        print_json([a.listing() for a in found])
        return
    if not found:
        console.print("no alerts")
    for a in found:
        console.print(
            f"{a.created_at:%Y-%m-%d %H:%M}  [bold]{a.status:<9}[/] {a.scale} {a.score:>2}  {a.team} → {a.assignee}  "
            f"{a.email or a.customer_id}  SLA {a.sla_due_at:%Y-%m-%d %H:%M}  {(a.comment or '')[:60]}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
    app.add_typer(alerts_app, name="alerts")
