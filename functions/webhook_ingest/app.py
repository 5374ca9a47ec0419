"""API handler: one vendor webhook → verified, archived, queued → an answer the vendor understands."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from journeysync.coldstart import gc_after_first_invocation
from journeysync.ingest.apigw import serve
from journeysync.ingest.wiring import default_deps

logger = Logger(service="webhook_ingest")
metrics = Metrics(service="webhook_ingest")


@gc_after_first_invocation
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    vendor = str((event.get("pathParameters") or {}).get("vendor") or "-")
    reply = serve(event, default_deps, lambda exc: logger.exception("webhook not acknowledged"))
    if reply.body.get("conflict"):
        logger.warning("duplicate id with different content refused", vendor=vendor, vendor_event_id=reply.vendor_event_id)
    metrics.add_dimension("vendor", vendor if reply.status != 404 else "unknown")
    metrics.add_dimension("status", str(reply.status))
    metrics.add_metric(name="Webhooks", unit=MetricUnit.Count, value=1)
    logger.info(
        "webhook answered",
        vendor=vendor,
        status=reply.status,
        vendor_event_type=reply.event_type,
        events=len(reply.body.get("accepted", [])),
        reason=reply.reason or None,  # e.g. "no webhook secret configured for X": ours to read, not the sender's
    )
    return reply.to_apigw()
