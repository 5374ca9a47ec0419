"""Work items against the moto server: created once, emailed, posted to Slack where the team has it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from journeysync.config.loader import load_config
from journeysync.work.store import WorkItemStore
from tests.conftest import AwsResources
from tests.unit.test_work_items import _change

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = load_config(ROOT / "infra" / "config").journeys
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


@responses.activate
def test_a_team_with_slack_gets_the_item_there_too_with_names_escaped_and_a_slack_outage_never_blocks_it(
    aws: AwsResources,
) -> None:
    from journeysync.alerts.notify import SlackWebhook
    from journeysync.config.routing import RoutingConfig
    from journeysync.work.process import WorkDeps, process_change

    routing = RoutingConfig.model_validate({"teams": [{
        "name": "membership", "members": ["m@riverside-museum.example"], "escalation_contact": "d@riverside-museum.example",
        "channels": ["email", "slack"], "slack_webhook_secret": "slack-membership"}]})
    hook = "https://hooks.slack.com/services/T/B/X"
    responses.post(hook, status=200)
    emails: list[str] = []
    deps = WorkDeps(store=WorkItemStore(aws.table, aws.client("dynamodb")), journeys=JOURNEYS, routing=routing,
                    send_email=lambda to, message: emails.append(to), slack_for=lambda team: SlackWebhook(hook))
    change = _change({"membership": ("joined", NOW)})
    change.after["profile"]["given_name"] = "<!channel> Ann"
    assert process_change(change, deps, NOW).notified == 1
    assert emails == ["m@riverside-museum.example"]
    posted = json.loads(responses.calls[0].request.body)
    assert "<!channel>" not in json.dumps(posted["blocks"][1]) and "&lt;!channel&gt; Ann" in posted["text"]

    responses.replace(responses.POST, hook, status=500)
    other = _change({"membership": ("joined", NOW + timedelta(days=400))})
    assert process_change(other, deps, NOW).created == 1  # Slack down: the item is stored and emailed all the same
    assert len(emails) == 2
