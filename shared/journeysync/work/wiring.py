"""What the work-item handler builds once per sandbox, lazily."""

from __future__ import annotations

from functools import cache
from typing import Any

from journeysync.alerts.settings import SurveySettings


@cache
def settings() -> SurveySettings:
    return SurveySettings()


def work_deps() -> Any:
    from journeysync.alerts.notify import EmailSender
    from journeysync.aws import client
    from journeysync.config.loader import cached_config
    from journeysync.work.process import WorkDeps
    from journeysync.work.store import WorkItemStore

    s = settings()
    config = cached_config(str(s.config_dir) if s.config_dir else None)
    sender = EmailSender(s.alert_from or config.routing.alert_from, client("sesv2"))

    def send_email(recipients: list[str], message: Any) -> None:
        for recipient in recipients:
            sender.send(recipient, message)

    return WorkDeps(store=WorkItemStore(s.table_name, client("dynamodb")), journeys=config.journeys,
                    routing=config.routing, send_email=send_email)
