"""The retrying enrichment step: a job that cannot succeed is dead-lettered with its reason, one that
may succeed later raises so the queue redelivers it (and redrives it to the DLQ after maxReceiveCount)."""

from __future__ import annotations

from journeysync.errors import RetriableError
from journeysync.ingest.pipeline import EnrichmentOutcome, IngestDeps, run_enrichment
from journeysync.queueing import dead_letter


def handle_job(body: str, deps: IngestDeps) -> str:
    outcome, reason = run_enrichment(body, deps)
    if outcome == EnrichmentOutcome.RETRY:
        raise RetriableError(reason)
    if outcome == EnrichmentOutcome.DEAD:
        dead_letter(deps.settings.enrichment_dlq_url, body, reason, sqs=deps.sqs)
    return outcome
