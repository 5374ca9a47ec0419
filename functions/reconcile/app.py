"""reconcile (scheduled nightly): sources backfilled, destinations diffed and repaired, report to S3 + email.

The event may carry `{"dry_run": true}` (what `journeysync reconcile --dry-run` sends a deployed stack).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from journeysync.coldstart import gc_after_first_invocation

logger = Logger()


@gc_after_first_invocation
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from journeysync.reconcile.run import reconcile
    from journeysync.reconcile.wiring import default_deps

    deps = default_deps()
    dry_run = isinstance(event, dict) and bool(event.get("dry_run"))
    doc = reconcile(deps, dry_run=dry_run)
    logger.info("reconcile", extra={"drift": doc["drift"], "repaired": doc["repaired"], "report": doc["report"]})
    return doc
