"""Email destinations behind one connector interface, and the diff-based sync that feeds them.

- `base.Destination` — batching, rate limiting, retries, error → Outcome mapping;
- `ses.SesDestination` — SES v2 contact list with a topic per segment (the embedded default);
- `mailchimp.MailchimpDestination` — Mailchimp Marketing v3 audience with a tag per segment;
- `model` — desired state, last-synced state, `plan()` (the pure diff);
- `state.SyncStateStore` — what each destination last got, per customer (single table);
- `sync.Syncer` — recompute segments → diff → push only changes (incremental and full sync).
"""
