"""webhook_enrich: finishes vendor events whose API lookup failed at ingest (retried by its queue)."""
