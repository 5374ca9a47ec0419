"""The webhook_ingest hop's logic: verify → cap → parse → archive → enrich → queue → answer.

`handle_webhook` is what the handler calls; `run_enrichment` is what the enrichment
consumer calls. Both take their stores as arguments (`IngestDeps`), so tests run them
against the moto server and the handler stays three lines.
"""

from journeysync.ingest.pipeline import IngestDeps, Reply, handle_webhook
from journeysync.ingest.settings import IngestSettings, get_ingest_settings

__all__ = ["IngestDeps", "IngestSettings", "Reply", "get_ingest_settings", "handle_webhook"]
