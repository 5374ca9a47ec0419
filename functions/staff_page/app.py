"""HTTP API handler: a team's staff page (GET /work/{token} shows it; POST /work/{token} claims or resolves)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="staff_page")
metrics = Metrics(service="staff_page")


def _log(message: str, extra: dict[str, Any]) -> None:
    logger.info(message, extra=extra)  # reasons and ids only, never the token


def _page(event: dict[str, Any]) -> Any:
    from journeysync.alerts import pages
    from journeysync.alerts.survey import parse_form
    from journeysync.errors import BadInputError
    from journeysync.work import staff_page
    from journeysync.work.wiring import staff_deps

    token = str((event.get("pathParameters") or {}).get("token") or "")
    method = str((event.get("requestContext") or {}).get("http", {}).get("method", "GET")).upper()
    now = datetime.now(UTC)
    deps = staff_deps(_log)
    if method != "POST":
        return staff_page.show(deps, token, now)
    raw = event.get("body") or ""
    body = base64.b64decode(raw).decode("utf-8", "replace") if event.get("isBase64Encoded") else str(raw)
    try:
        form = parse_form(body)
    except BadInputError:
        return pages.Page(400, "That did not work", "The form could not be read.")
    return staff_page.act(deps, token, form, now)


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    page = _page(event)
    metrics.add_dimension("status", str(page.status))
    metrics.add_metric(name="StaffPages", unit=MetricUnit.Count, value=1)
    logger.info("page answered", route=event.get("routeKey"), status=page.status)
    return dict(page.to_apigw())
