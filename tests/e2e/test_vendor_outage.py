"""Vendor outages end to end: HubSpot (the CRM) and Mailchimp (email) throttle (429 + Retry-After), fail (500)
and hang past the client's timeout while members pay and opt in → nothing is lost, every contact reaches
the vendor after the outage, and nothing is dead-lettered (issue 10: vendors misbehaving)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from journeysync_local.stack import LocalStack, vendor_secrets
from journeysync_local.template import repo_root
from journeysync_local.vendor_standin import VendorStandIn

from tests.e2e.fixtures import StartStack

pytestmark = pytest.mark.e2e

UPSERT = r"^/crm/v3/objects/contacts/batch/upsert$"
MEMBERS = [f"member{i}@example.org" for i in range(6)]


@pytest.fixture
def hubspot() -> Iterator[VendorStandIn]:
    server = VendorStandIn().start()
    yield server
    server.stop()


def _membership(stack: LocalStack, email: str, n: int) -> int:
    return _cloudevent(stack, f"till-{n}", "membership.purchased", email, {"tier": "individual", "term_months": 12})


def _cloudevent(stack: LocalStack, event_id: str, kind: str, email: str, data: dict[str, object]) -> int:
    body = json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "tills",
            "type": kind,
            "time": "2026-11-30T10:00:00Z",
            "identity": {"emails": [email]},
            "data": data,
        }
    ).encode()
    return int(stack.post_webhook("cloudevents", body, timeout=20).status_code)


@pytest.mark.timeout(300)
def test_a_hubspot_outage_loses_nothing_and_every_contact_arrives_after_it(
    start_local_stack: StartStack, hubspot: VendorStandIn
) -> None:
    hubspot.inject(UPSERT, "429", times=2, retry_after=1)
    hubspot.inject(UPSERT, "500", times=3)
    hubspot.inject(UPSERT, "timeout", times=1, hang_seconds=12)  # past the connector's 10 s read timeout
    stack = start_local_stack(
        parameters={"CrmPushTarget": "hubspot", "HubSpotBaseUrl": hubspot.url},
        secrets={**vendor_secrets(), "hubspot": "hubspot-private-app-token"},
        visibility_scale=0.02,  # a failed batch is back on the queue in seconds, not minutes
    )
    assert {_membership(stack, email, n) for n, email in enumerate(MEMBERS)} == {200}
    stack.wait_idle(timeout=180, settle=0.5)

    calls = hubspot.calls(UPSERT, method="POST")
    faults = 2 + 3 + 1  # the stand-in answers the first six calls badly, every later one with 200
    assert len(calls) > faults, "the outage was really hit"
    assert all(c.headers.get("authorization") == "Bearer hubspot-private-app-token" for c in calls)
    delivered = {i["id"] for call in calls[faults:] for i in call.json()["inputs"]}
    assert set(MEMBERS) <= delivered, f"missing after the outage: {set(MEMBERS) - delivered}"
    dlq = stack.resources["CrmPushDLQ"]
    assert stack.queue_depths([dlq])[dlq]["visible"] == 0


MAILCHIMP_BATCH = r"^/3\.0/lists/L1/?$"


@pytest.mark.timeout(300)
def test_a_mailchimp_outage_loses_nothing_and_every_member_arrives_after_it(
    start_local_stack: StartStack, hubspot: VendorStandIn, tmp_path: Path
) -> None:
    mailchimp = hubspot  # one stand-in plays any vendor
    config = tmp_path / "config"
    shutil.copytree(repo_root() / "infra" / "config", config)
    segments = yaml.safe_load((config / "segments.yaml").read_text())
    segments["destinations"]["mailchimp"] = {"enabled": True, "list_id": "L1"}
    (config / "segments.yaml").write_text(yaml.safe_dump(segments))
    mailchimp.inject(MAILCHIMP_BATCH, "429", times=2, retry_after=1)
    mailchimp.inject(MAILCHIMP_BATCH, "500", times=2)
    mailchimp.inject(MAILCHIMP_BATCH, "timeout", times=1, hang_seconds=12)
    stack = start_local_stack(
        config_dir=config,
        visibility_scale=0.02,
        function_env={"JOURNEYSYNC_MAILCHIMP_BASE_URL": f"{mailchimp.url}/3.0", "JOURNEYSYNC_MAILCHIMP_API_KEY": "key-us1"},
    )
    for n, email in enumerate(MEMBERS):
        assert _membership(stack, email, n) == 200
        assert (
            _cloudevent(stack, f"optin-{n}", "consent.changed", email, {"status": "subscribed", "explicit": True})
            == 200
        )
    stack.wait_idle(timeout=180, settle=0.5)

    calls = mailchimp.calls(MAILCHIMP_BATCH, method="POST")
    faults = 2 + 2 + 1
    assert len(calls) > faults, "the outage was really hit"
    delivered = {m["email_address"] for call in calls[faults:] for m in call.json()["members"]}
    assert set(MEMBERS) <= delivered, f"missing after the outage: {set(MEMBERS) - delivered}"
    dlq = stack.resources["CrmToEmailDLQ"]
    assert stack.queue_depths([dlq])[dlq]["visible"] == 0


SLACK = r"^/services/"


@pytest.mark.timeout(300)
def test_a_slack_outage_never_loses_the_alert(
    start_local_stack: StartStack, hubspot: VendorStandIn, tmp_path: Path
) -> None:
    slack = hubspot
    config = tmp_path / "config"
    shutil.copytree(repo_root() / "infra" / "config", config)
    routing = yaml.safe_load((config / "routing.yaml").read_text())
    for team in routing["teams"]:
        if team["name"] == "visitor-experience":
            team["channels"] = ["email", "slack"]
            team["slack_webhook_secret"] = "slack-visitor-experience"
    (config / "routing.yaml").write_text(yaml.safe_dump(routing))
    slack.inject(SLACK, "429", times=2, retry_after=1)
    slack.inject(SLACK, "500", times=2)
    slack.inject(SLACK, "timeout", times=1, hang_seconds=12)
    secrets = {**vendor_secrets(), "slack-visitor-experience": f"{slack.url}/services/T000/B000/XXXX"}
    stack = start_local_stack(config_dir=config, secrets=secrets, visibility_scale=0.02)

    rating = {
        "id": "901",
        "person": {"id": "9", "email": "unhappy@example.org", "name": "Una Happy"},
        "survey_type": "nps",
        "score": 2,
        "comment": "Dirty toilets",
        "permalink": "https://delighted.com/r/901",
        "created_at": 1796112000,
        "updated_at": 1796112000,
        "person_properties": {"touchpoint": "visit"},
    }
    body = json.dumps({"event_type": "survey_response.created", "event_id": "d-901", "event_data": rating}).encode()
    assert stack.post_webhook("delighted", body, timeout=20).status_code == 200
    stack.wait_idle(timeout=180, settle=0.5)

    calls = slack.calls(SLACK, method="POST")
    faults = 2 + 2 + 1
    assert len(calls) > faults, "the outage was really hit"
    delivered = [c.json() for c in calls[faults:]]
    assert delivered and all("Dirty toilets" in json.dumps(d) for d in delivered), "the alert reached Slack after it"
    dlq = stack.resources["SurveyRouterDLQ"]
    assert stack.queue_depths([dlq])[dlq]["visible"] == 0
