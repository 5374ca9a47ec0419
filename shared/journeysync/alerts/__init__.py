"""Survey follow-up: one-click ratings, routed low-rating alerts, claim/resolve links, SLA escalation.

| module       | what                                                                       |
|--------------|----------------------------------------------------------------------------|
| `tokens`     | HMAC-signed, expiring link tokens (rating, claim, resolve) - pure          |
| `routing`    | score → sentiment by config, rules → team + SLA, assignee - pure           |
| `model`      | the `Alert` record and its context                                         |
| `requests`   | pure DynamoDB request builders for alerts, round-robin and token use       |
| `store`      | `AlertStore`: those requests against the single table                      |
| `notify`     | email (SES v2) and Slack (incoming webhook) renderings and senders         |
| `router`     | ProfileChanged → alerts (stored before they are sent)                      |
| `escalate`   | unclaimed alerts past SLA → the team's escalation contact                  |
| `survey`     | the pages' logic: GET confirm pages, POST rate / comment / claim / resolve |
| `pages`      | the small accessible HTML pages                                            |
"""
