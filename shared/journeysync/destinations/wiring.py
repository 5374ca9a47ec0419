"""The crm_to_email hop's wiring: what both its handlers build once per sandbox (lazily, behind functools caches)."""

from __future__ import annotations

from functools import cache
from typing import Any

from journeysync.destinations.settings import CrmToEmailSettings


@cache
def settings() -> CrmToEmailSettings:
    return CrmToEmailSettings()


@cache
def syncer() -> Any:
    from journeysync.config.loader import cached_config
    from journeysync.destinations.settings import build_syncer

    s = settings()
    return build_syncer(s, cached_config(str(s.config_dir) if s.config_dir else None))


def record_metrics(metrics: Any, report: Any) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    for destination, count in report.changes.items():
        metrics.add_metric(name=f"{destination}ContactsChanged", unit=MetricUnit.Count, value=count)
    metrics.add_metric(name="SuppressionsPushed", unit=MetricUnit.Count, value=report.suppressions)
    metrics.add_metric(name="RefusedByDestination", unit=MetricUnit.Count, value=report.refused)
    metrics.add_metric(name="UnchangedSkipped", unit=MetricUnit.Count, value=report.skipped["unchanged"])
