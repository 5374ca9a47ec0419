"""What the three survey-hop handlers build once per sandbox, lazily (settings, stores, secret, senders)."""

from __future__ import annotations

from functools import cache
from typing import Any

from journeysync.alerts.settings import SurveySettings


@cache
def settings() -> SurveySettings:
    return SurveySettings()


@cache
def _config() -> Any:
    from journeysync.config.loader import cached_config

    s = settings()
    return cached_config(str(s.config_dir) if s.config_dir else None)


def secret() -> str | None:
    """The link-signing key (Powertools caches it for 5 minutes, so a rotation is picked up)."""
    from journeysync.secrets import get_secret

    return get_secret(settings().survey_secret_name, settings().secrets_prefix)


@cache
def alert_store() -> Any:
    from journeysync.alerts.store import AlertStore
    from journeysync.aws import client

    return AlertStore(settings().table_name, client("dynamodb"))


@cache
def _slack(team: str) -> Any:
    from journeysync.alerts.notify import SlackWebhook
    from journeysync.connectors.ratelimit import TokenBucket
    from journeysync.secrets import get_secret

    found = _config().routing.team(team)
    name = found.slack_webhook_secret if found is not None else None
    url = get_secret(name, settings().secrets_prefix) if name else None
    return SlackWebhook(url, limiter=TokenBucket(1.0)) if url else None


def router_deps(warn: Any = None) -> Any:
    from journeysync.alerts.notify import EmailSender
    from journeysync.alerts.router import Deps
    from journeysync.aws import client
    from journeysync.errors import RetriableError

    s = settings()
    key = secret()
    if not key:
        raise RetriableError(f"secret {s.secrets_prefix}{s.survey_secret_name} is missing: cannot sign alert links")
    routing = _config().routing
    deps = Deps(
        store=alert_store(),
        routing=routing,
        email=EmailSender(s.alert_from or routing.alert_from, client("sesv2")),
        secret=key,
        base_url=s.base_url,
        link_ttl_days=s.link_ttl_days,
        resync_window_days=s.resync_window_days,
        slack_for=_slack,
    )
    if warn is not None:
        deps.warn = warn
    return deps


def page_deps(log: Any = None) -> Any:
    from journeysync.alerts.survey import PageDeps
    from journeysync.aws import client
    from journeysync.queueing import send_events
    from journeysync.store.profiles import ProfileStore

    s = settings()
    profiles = ProfileStore(s.table_name, client("dynamodb"))
    deps = PageDeps(
        secret=secret(),
        routing=_config().routing,
        alerts=alert_store(),
        resolve_customer=profiles.resolve,
        send=lambda events: send_events(s.events_queue_url, events, client("sqs")),
        edit_window_seconds=s.edit_window_seconds,
        max_token_uses=s.max_token_uses,
    )
    if log is not None:
        deps.log = log
    return deps
