"""crm_to_email full sync (scheduled): every profile through the same diff path as ProfileChanged.

Resumable: progress is saved after each page, a pass that runs short of time continues on the
next invocation, and a new pass starts only when the last one completed long enough ago.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from journeysync.coldstart import gc_after_first_invocation
from journeysync.destinations import wiring

logger = Logger()
metrics = Metrics()


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from journeysync.aws import client
    from journeysync.destinations.sync import full_sync

    settings = wiring.settings()
    force = isinstance(event, dict) and bool(event.get("force"))
    result = full_sync(
        wiring.syncer(),
        client("dynamodb"),
        settings.table_name,
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000.0,
        page_size=settings.full_sync_page_size,
        min_interval_hours=0.0 if force else settings.full_sync_min_interval_hours,
    )
    metrics.add_metric(name="FullSyncCustomers", unit="Count", value=result.get("customers", 0))
    logger.info("full sync", extra=result)
    return result
