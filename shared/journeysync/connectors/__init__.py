"""Outbound connectors: vendor HTTP APIs (HubSpot, Mailchimp, Slack, Square, Eventbrite) and AWS destinations.

`http.HttpConnector` owns what every vendor call needs — rate limiting, retries
with backoff that honour Retry-After, timeouts, and the mapping of failures to
`RetriableError` (the message goes back to its queue) or `FatalError` (it goes to
the dead-letter queue with the reason). Each vendor subclass adds only its auth,
base URL and endpoint methods (the Meltano SDK / Powertools provider pattern).
"""
