"""survey_dispatch end to end on the local stack: a signed check-in → ingest → profile → ProfileChanged → rule →
queue → survey planned → the send schedule (fired as of a chosen time: the clock is the test's) → one SES templated
email whose links record a rating in one tap. The cap, unsubscribes and redeliveries send nothing."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from journeysync_local.demo.loops_step import tap
from journeysync_local.stack import LocalStack

from journeysync.config import load_config
from journeysync.surveys.rules import quiet_until
from tests.e2e.cli_support import cli, post_cloudevent

pytestmark = pytest.mark.e2e

CONFIG = load_config().surveys


def _check_in(stack: LocalStack, event_id: str, email: str) -> None:
    # CloudEvents ids are unique per source: the same id from another test's member would be a conflicting re-send
    post_cloudevent(stack, f"{event_id}-{email.split('@')[0]}", "ticket.checked_in", email, {"event_ref": "general-admission", "location": "main-entrance"})


def _sweep(stack: LocalStack, at: datetime) -> dict[str, Any]:
    [result] = stack.fire_schedule("SurveySendFunction", at=at)
    return dict(result)


def _surveys_to(stack: LocalStack, email: str) -> list[dict[str, Any]]:
    """Templated emails in the moto server's SES outbox addressed to `email`."""
    data = requests.get(f"{stack.moto_url}/moto-api/data.json", timeout=10).json()
    return [m for m in data.get("ses", {}).get("TemplateMessage", []) if email in json.dumps(m.get("destinations"))]


def _rendered(stack: LocalStack, message: dict[str, Any]) -> str:
    return str(stack.client("ses").test_render_template(
        TemplateName=message["template"], TemplateData=message["template_data"])["RenderedTemplate"])


def _due(delay_minutes: int) -> datetime:
    """A moment just after the delay, outside quiet hours (the sweep leaves surveys alone during them)."""
    return quiet_until(CONFIG, datetime.now(UTC) + timedelta(minutes=delay_minutes + 1))


@pytest.mark.timeout(240)
def test_a_check_in_gets_exactly_one_survey_after_the_delay_whose_link_records_a_rating_in_one_tap(
    cli_stack: LocalStack,
) -> None:
    stack = cli_stack
    email = f"vic-{uuid.uuid4().hex[:8]}@example.com"
    _check_in(stack, "gate-1", email)
    visit = CONFIG.for_event("ticket.checked_in")
    assert visit is not None

    assert _sweep(stack, datetime.now(UTC) + timedelta(minutes=1))["sent"] == 0  # not due yet
    assert _surveys_to(stack, email) == []

    due = _due(visit.delay_minutes)
    assert _sweep(stack, due)["sent"] == 1
    [message] = _surveys_to(stack, email)
    assert _sweep(stack, due + timedelta(minutes=5))["sent"] == 0  # the next sweep: nothing twice

    rendered = _rendered(stack, message)
    assert visit.question in rendered
    links = dict(re.findall(r"^(\d+): (http\S+)$", rendered, re.M))
    assert sorted(int(score) for score in links) == list(range(0, 11))  # nps: 0..10, one link each
    assert tap(links["9"]).status_code == 200
    stack.wait_idle(timeout=30)
    profile = cli("profile", "get", "--email", email, "--json")
    assert [(r["score"], r["touchpoint"]) for r in profile["profile"]["ratings"]] == [(9, "visit")]
    assert "survey.sent" in [e["type"] for e in profile["timeline"]]

    # the same check-in redelivered, and a second visit inside the cap: no more surveys
    _check_in(stack, "gate-1", email)
    _check_in(stack, "gate-2", email)
    assert _sweep(stack, _due(visit.delay_minutes) + timedelta(hours=1))["sent"] == 0
    assert len(_surveys_to(stack, email)) == 1

    outbox = cli("survey", "outbox", "--json")
    assert [(o["email"], o["touchpoint"], o["scale"]) for o in outbox] == [(email, "visit", "nps")]
    assert datetime.fromisoformat(outbox[0]["sent_at"]) == due.replace(microsecond=0)  # the schedule's time


@pytest.mark.timeout(120)
def test_an_unsubscribed_member_is_never_surveyed(local_stack: LocalStack) -> None:
    email = f"una-{uuid.uuid4().hex[:8]}@example.com"
    post_cloudevent(local_stack, "pref-1", "consent.changed", email, {"status": "unsubscribed", "explicit": True})
    _check_in(local_stack, "gate-9", email)
    result = _sweep(local_stack, _due(120))
    assert result["sent"] == 0
    assert _surveys_to(local_stack, email) == []


@pytest.mark.timeout(120)
def test_a_record_that_is_not_a_profile_changed_is_dead_lettered_at_once_with_its_reason(
    local_stack: LocalStack,
) -> None:
    local_stack.client("events").put_events(Entries=[{
        "Source": "journeysync.profiles", "DetailType": "ProfileChanged",
        "Detail": json.dumps({"customer_id": "x", "changed": ["journeys.membership.stage"]}),
        "EventBusName": local_stack.resources["EventBus"],
    }])
    local_stack.wait_idle(timeout=20)  # nothing left retrying in a queue
    sqs = local_stack.client("sqs")
    for dlq in ("SurveyDispatchDLQ", "WorkItemsDLQ"):
        [got] = sqs.receive_message(QueueUrl=local_stack.resources[dlq], MessageAttributeNames=["All"],
                                    WaitTimeSeconds=1)["Messages"]
        assert got["MessageAttributes"]["reason"]["StringValue"].startswith("not a ProfileChanged"), dlq
