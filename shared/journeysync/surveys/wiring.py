"""What the survey dispatch handlers build once per sandbox, lazily."""

from __future__ import annotations

from functools import cache
from typing import Any

from journeysync.surveys.settings import DispatchSettings


@cache
def settings() -> DispatchSettings:
    return DispatchSettings()


@cache
def _config() -> Any:
    from journeysync.config.loader import cached_config

    s = settings()
    return cached_config(str(s.config_dir) if s.config_dir else None)


@cache
def survey_store() -> Any:
    from journeysync.aws import client
    from journeysync.surveys.store import SurveyStore

    return SurveyStore(settings().table_name, client("dynamodb"))


def surveys_config() -> Any:
    return _config().surveys


def send_deps(warn: Any = None) -> Any:
    from journeysync.alerts.store import AlertStore
    from journeysync.aws import client
    from journeysync.errors import RetriableError
    from journeysync.secrets import get_secret
    from journeysync.store.profiles import ProfileStore
    from journeysync.surveys.email import SurveyMailer
    from journeysync.surveys.send import SendDeps

    s = settings()
    config = _config()
    key = get_secret(s.survey_secret_name, s.secrets_prefix)
    if not key:
        raise RetriableError(f"secret {s.secrets_prefix}{s.survey_secret_name} is missing: cannot sign rating links")
    sender = s.survey_from or config.surveys.sender or config.routing.alert_from
    alerts = AlertStore(s.table_name, client("dynamodb"))
    deps = SendDeps(
        config=config.surveys,
        routing=config.routing,
        store=survey_store(),
        mailer=SurveyMailer(sender, s.survey_template, client("ses"), client("sesv2"),
                            contact_list=s.ses_contact_list or None, topic=config.surveys.ses_topic),
        resolve_customer=ProfileStore(s.table_name, client("dynamodb")).resolve,
        alert_statuses=lambda customer_id: [a.status for a in alerts.customer_alerts(customer_id)],
        secret=key,
        base_url=s.base_url,
        rating_ttl_days=s.rating_ttl_days,
    )
    if warn is not None:
        deps.warn = warn
    return deps
