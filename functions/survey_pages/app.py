"""HTTP API handler: one-tap ratings (/survey/{token}) and staff links (/alerts/{action}/{token}).

A GET only shows a confirm page (mail scanners fetch every link); the page's button POSTs the act."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="survey_pages")
metrics = Metrics(service="survey_pages")


def _log(message: str, extra: dict[str, Any]) -> None:
    logger.info(message, extra=extra)  # reasons and ids only, never the token or the comment


def _body(event: dict[str, Any]) -> str:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        from journeysync.errors import BadInputError

        try:
            return base64.b64decode(raw, validate=True).decode("utf-8", "replace")
        except ValueError:
            raise BadInputError("body is not valid base64", field="body") from None
    return str(raw)


def _page(event: dict[str, Any]) -> Any:
    from journeysync.alerts import pages, survey
    from journeysync.alerts.wiring import page_deps
    from journeysync.errors import BadInputError, RetriableError

    params = event.get("pathParameters") or {}
    method = str((event.get("requestContext") or {}).get("http", {}).get("method", "GET")).upper()
    token = str(params.get("token") or "")
    now = datetime.now(UTC)
    try:
        deps = page_deps(_log)
        if "action" in params:
            act = survey.staff_action if method == "POST" else survey.staff_confirm
            return act(deps, str(params["action"]), token, now)
        if method == "POST":
            form = survey.parse_form(_body(event))
            if "score" in form:
                return survey.rate(deps, token, form["score"], now, comment=form.get("comment"))
            return survey.comment(deps, token, form.get("comment"), now)
        return survey.confirm_rating(deps, token, (event.get("queryStringParameters") or {}).get("score"), now)
    except BadInputError:
        return pages.Page(400, "That did not work", "The form could not be read.")
    except RetriableError:
        logger.exception("rating not queued")
        return pages.UNAVAILABLE


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    page = _page(event)
    metrics.add_dimension("status", str(page.status))
    metrics.add_metric(name="SurveyPages", unit=MetricUnit.Count, value=1)
    logger.info("page answered", route=event.get("routeKey"), status=page.status)
    return dict(page.to_apigw())
