"""The retrying enrichment step's verdict on one queued job: done, retry later (the vendor may answer
then), or dead (no retry can fix it: the job goes to the enrichment DLQ with its reason)."""

from __future__ import annotations

from journeysync.batch import OK, Verdict, dead, retry
from journeysync.ingest.pipeline import EnrichmentOutcome, IngestDeps, run_enrichment


def enrichment_verdict(body: str, deps: IngestDeps) -> tuple[str, Verdict]:
    """(outcome for the metrics, verdict for the batch)."""
    outcome, reason = run_enrichment(body, deps)
    if outcome == EnrichmentOutcome.RETRY:
        return outcome, retry(reason)
    if outcome == EnrichmentOutcome.DEAD:
        return outcome, dead(reason)
    return outcome, OK
