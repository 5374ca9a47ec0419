"""webhook_ingest: `POST /webhooks/{vendor}` — signed vendor webhooks in, archived and queued."""
