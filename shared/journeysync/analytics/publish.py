"""Write the report (HTML + JSON) to S3 under `reports/`, and the settings of the weekly function."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from journeysync.analytics.model import JourneyReport
from journeysync.settings import Settings


class ReportSettings(Settings):
    """`JOURNEYSYNC_*` variables of the journey_report function."""

    report_prefix: str = Field(default="reports/", description="key prefix in the archive bucket")
    abandon_after_days: int = Field(default=90, ge=1)


def report_keys(report: JourneyReport, prefix: str = "reports/") -> dict[str, str]:
    stem = f"{prefix}journey-report-{report.generated_at:%Y-%m-%d}"
    return {"html": f"{stem}.html", "json": f"{stem}.json"}


def put_report(s3: Any, bucket: str, report: JourneyReport, html: str, prefix: str = "reports/") -> dict[str, str]:
    """Two PUTs (HTML, JSON); a second run on the same day overwrites that day's report."""
    keys = report_keys(report, prefix)
    s3.put_object(Bucket=bucket, Key=keys["html"], Body=html.encode("utf-8"), ContentType="text/html; charset=utf-8")
    s3.put_object(
        Bucket=bucket, Key=keys["json"], Body=report.model_dump_json(indent=2).encode("utf-8"),
        ContentType="application/json",
    )
    return keys
