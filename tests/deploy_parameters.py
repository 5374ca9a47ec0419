"""The parameters a real `sam deploy` takes, for an organisation that is not the demo museum."""

from __future__ import annotations

# what `sam deploy --guided` asks a newcomer for (the rest have defaults)
DEPLOY_PARAMETERS = {
    "SenderAddress": "alerts@example.org",
    "MarketingSenderAddress": "news@example.org",
    "SurveySenderAddress": "surveys@example.org",
    "OpsEmail": "ops@example.org",
    "AlarmEmail": "on-call@example.org",
}
