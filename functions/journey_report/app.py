"""Scheduled handler: build the journey report from the table and write it (HTML + JSON) to S3."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation

logger = Logger(service="journey_report")
metrics = Metrics(service="journey_report")


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.analytics.publish import put_report
    from journeysync.analytics.render import render_html
    from journeysync.analytics.source import build_report
    from journeysync.analytics.wiring import report_deps
    from journeysync.work.listing import list_work

    deps = report_deps()
    settings = deps.settings
    report = build_report(
        deps.profiles,
        deps.config,
        datetime.now(UTC),
        states=deps.states,
        abandon_after_days=settings.abandon_after_days,
        work_items=list_work(settings.table_name),
    )
    keys = put_report(deps.s3, settings.archive_bucket, report, render_html(report), settings.report_prefix)
    metrics.add_metric(name="ReportCustomers", unit=MetricUnit.Count, value=report.customers)
    metrics.add_metric(name="ReportStalled", unit=MetricUnit.Count, value=len(report.stalled))
    logger.info(
        "journey report written", bucket=settings.archive_bucket, html_key=keys["html"], customers=report.customers
    )
    return {"bucket": settings.archive_bucket, **keys, "customers": report.customers, "stalled": len(report.stalled)}
