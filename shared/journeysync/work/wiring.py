"""What the work-item handler builds once per sandbox, lazily."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import Field

from journeysync.alerts.settings import SurveySettings


class WorkSettings(SurveySettings):
    work_items_dlq_url: str = Field(default="", description="where records that are not a ProfileChanged go")


@cache
def settings() -> WorkSettings:
    return WorkSettings()


def work_deps() -> Any:
    from journeysync.alerts.notify import EmailSender
    from journeysync.aws import client
    from journeysync.config.loader import cached_config
    from journeysync.work.process import WorkDeps
    from journeysync.work.store import WorkItemStore

    s = settings()
    config = cached_config(str(s.config_dir) if s.config_dir else None)
    sender = EmailSender(s.alert_from or config.routing.alert_from, client("sesv2"))

    def page_link(team: str, member: str) -> str | None:
        from datetime import UTC, datetime

        from journeysync.secrets import get_secret
        from journeysync.work.staff_page import staff_link

        key = get_secret(s.survey_secret_name, s.secrets_prefix)
        return staff_link(key, s.base_url, team, member, now=datetime.now(UTC)) if key and s.base_url else None

    from journeysync.alerts.wiring import _slack

    return WorkDeps(store=WorkItemStore(s.table_name, client("dynamodb")), journeys=config.journeys,
                    routing=config.routing, send_email=sender.send, page_link=page_link, slack_for=_slack)


def staff_deps(log: Any = None) -> Any:
    from journeysync.alerts.store import AlertStore
    from journeysync.aws import client
    from journeysync.secrets import get_secret
    from journeysync.work.staff_page import StaffDeps, team_open_items
    from journeysync.work.store import WorkItemStore

    s = settings()
    store = WorkItemStore(s.table_name, client("dynamodb"))
    alerts = AlertStore(s.table_name, client("dynamodb"))
    deps = StaffDeps(secret=get_secret(s.survey_secret_name, s.secrets_prefix), store=store,
                     open_items=lambda team: team_open_items(store, alerts, team))
    if log is not None:
        deps.log = log
    return deps
