"""Email engagement coming back: SES events and Mailchimp reports → small per-member state.

`signals` turns vendor payloads into one shape, `fold` applies them to a member's
`EngagementState` (counters and histograms, never raw events), `pressure` decides who may be
mailed under the cross-division cap, `ingest` and `mailchimp_pull` are the two ways in, `send`
mails a campaign within the cap.
"""
