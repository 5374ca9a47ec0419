"""work_items end to end on the local stack: a membership purchased at the till → the member enters the
organisation-owned `joined` stage → one stage_action item for the membership team, emailed to it with the
member's context → the member's first visit moves them on → the item closes by itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from journeysync_local.stack import LocalStack

from tests.e2e.cli_support import cli, post_cloudevent
from tests.survey_support import outbox

pytestmark = pytest.mark.e2e

MEMBERSHIP_TEAM = ["membership@riverside-museum.example", "membership-lead@riverside-museum.example"]


@pytest.mark.timeout(180)
def test_a_membership_purchase_hands_the_membership_team_a_stage_action_that_closes_when_the_member_moves_on(
    cli_stack: LocalStack,
) -> None:
    email = f"mia-{uuid.uuid4().hex[:8]}@example.com"
    till = f"till-{uuid.uuid4().hex[:8]}"  # CloudEvents ids are unique per source: a new one per run
    post_cloudevent(cli_stack, till, "membership.purchased", email, {"tier": "family", "term_months": 12})
    [item] = cli("work", "list", "--kind", "stage_action", "--json")
    assert (item["status"], item["team"], item["title"], item["customer"]["email"]) == (
        "open", "membership", "membership: joined", email)
    messages = outbox(cli_stack, email)
    assert sorted(m["destinations"]["ToAddresses"][0] for m in messages) == sorted(MEMBERSHIP_TEAM)
    assert "Action needed" in messages[0]["subject"]
    for context in ("membership.purchased", "Welcome call", "active, family", "Due"):
        assert context in messages[0]["body"]

    post_cloudevent(cli_stack, till, "membership.purchased", email, {"tier": "family", "term_months": 12})  # redelivered
    assert len(cli("work", "list", "--kind", "stage_action", "--json")) == 1
    assert len(outbox(cli_stack, email)) == 2

    # nobody claimed it within its 48 h: the escalation run (as of 49 h later) hands it to the team's contact, once
    later = datetime.now(UTC) + timedelta(hours=49)
    assert cli_stack.fire_schedule("WorkEscalatorFunction", at=later) == [{"escalated": 1, "notified": 1, "failed": 0}]
    assert cli_stack.fire_schedule("WorkEscalatorFunction", at=later) == [{"escalated": 0, "notified": 0, "failed": 0}]
    [escalation] = [m for m in outbox(cli_stack, email) if "ESCALATED" in m["subject"]]
    assert escalation["destinations"]["ToAddresses"] == ["director-of-development@riverside-museum.example"]
    assert cli("work", "list", "--kind", "stage_action", "--json")[0]["status"] == "escalated"

    post_cloudevent(cli_stack, "gate-77", "ticket.checked_in", email, {"event_ref": "general-admission"})
    [closed] = cli("work", "list", "--kind", "stage_action", "--json")
    assert closed["id"] == item["id"] and closed["status"] == "closed" and closed["closed_at"]
    assert cli("work", "list", "--status", "open", "--kind", "stage_action", "--json") == []
