"""Scheduled handler: build the journey report from the table and write it (HTML + JSON) to S3."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="journey_report")
metrics = Metrics(service="journey_report")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from journeysync.analytics.publish import ReportSettings, put_report
    from journeysync.analytics.render import render_html
    from journeysync.analytics.source import build_report
    from journeysync.aws import client
    from journeysync.config.loader import load_config
    from journeysync.destinations.state import SyncStateStore
    from journeysync.store.profiles import ProfileStore
    from journeysync.work.listing import list_work

    settings = ReportSettings()
    config = load_config(settings.config_dir)
    report = build_report(
        ProfileStore(settings.table_name),
        config,
        datetime.now(UTC),
        states=SyncStateStore(settings.table_name),
        abandon_after_days=settings.abandon_after_days,
        work_items=list_work(settings.table_name),
    )
    keys = put_report(client("s3"), settings.archive_bucket, report, render_html(report), settings.report_prefix)
    metrics.add_metric(name="ReportCustomers", unit=MetricUnit.Count, value=report.customers)
    metrics.add_metric(name="ReportStalled", unit=MetricUnit.Count, value=len(report.stalled))
    logger.info(
        "journey report written", bucket=settings.archive_bucket, html_key=keys["html"], customers=report.customers
    )
    return {"bucket": settings.archive_bucket, **keys, "customers": report.customers, "stalled": len(report.stalled)}
