"""work_items end to end on the local stack: a membership purchased at the till → the member enters the
organisation-owned `joined` stage → one stage_action item for the membership team, emailed to it with the
member's context → the member's first visit moves them on → the item closes by itself."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from journeysync_local.stack import LocalStack

from journeysync.vendors import adapter_for
from tests.e2e.cli_support import cli
from tests.survey_support import outbox

pytestmark = pytest.mark.e2e

MEMBERSHIP_TEAM = ["membership@riverside-museum.example", "membership-lead@riverside-museum.example"]


def _post(stack: LocalStack, event_id: str, kind: str, email: str, data: dict[str, Any]) -> None:
    body = json.dumps({"specversion": "1.0", "id": event_id, "source": "tills", "type": kind,
                       "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "identity": {"emails": [email]}, "data": data}).encode()
    adapter = adapter_for("cloudevents")
    assert adapter is not None
    url = f"{stack.url}/webhooks/cloudevents"
    headers = adapter.signed_headers(stack.vendor_secrets["cloudevents"], body, url=url, now=datetime.now(UTC))
    assert requests.post(url, data=body, headers=headers, timeout=20).status_code in (200, 202)
    stack.wait_idle(timeout=30)


@pytest.mark.timeout(180)
def test_a_membership_purchase_hands_the_membership_team_a_stage_action_that_closes_when_the_member_moves_on(
    cli_stack: LocalStack,
) -> None:
    email = f"mia-{uuid.uuid4().hex[:8]}@example.com"
    _post(cli_stack, "till-77", "membership.purchased", email, {"tier": "family", "term_months": 12})
    [item] = cli("work", "list", "--kind", "stage_action", "--json")
    assert (item["status"], item["team"], item["title"], item["customer"]["email"]) == (
        "open", "membership", "membership: joined", email)
    messages = outbox(cli_stack, email)
    assert sorted(m["destinations"]["ToAddresses"][0] for m in messages) == sorted(MEMBERSHIP_TEAM)
    assert "Action needed" in messages[0]["subject"]
    for context in ("membership.purchased", "Welcome call", "active, family", "Due"):
        assert context in messages[0]["body"]

    _post(cli_stack, "till-77", "membership.purchased", email, {"tier": "family", "term_months": 12})  # redelivered
    assert len(cli("work", "list", "--kind", "stage_action", "--json")) == 1
    assert len(outbox(cli_stack, email)) == 2

    # nobody claimed it within its 48 h: the escalation run (as of 49 h later) hands it to the team's contact, once
    later = datetime.now(UTC) + timedelta(hours=49)
    assert cli_stack.fire_schedule("WorkEscalatorFunction", at=later) == [{"escalated": 1, "notified": 1, "failed": 0}]
    assert cli_stack.fire_schedule("WorkEscalatorFunction", at=later) == [{"escalated": 0, "notified": 0, "failed": 0}]
    [escalation] = [m for m in outbox(cli_stack, email) if "ESCALATED" in m["subject"]]
    assert escalation["destinations"]["ToAddresses"] == ["director-of-development@riverside-museum.example"]
    assert cli("work", "list", "--kind", "stage_action", "--json")[0]["status"] == "escalated"

    _post(cli_stack, "gate-77", "ticket.checked_in", email, {"event_ref": "general-admission"})
    [closed] = cli("work", "list", "--kind", "stage_action", "--json")
    assert closed["id"] == item["id"] and closed["status"] == "closed" and closed["closed_at"]
    assert cli("work", "list", "--status", "open", "--kind", "stage_action", "--json") == []
