"""A CRM outage end to end: HubSpot throttles (429 + Retry-After), fails (500) and hangs past the client's
timeout while members pay at the till → nothing is lost, every contact reaches HubSpot after the outage,
and nothing is dead-lettered (issue 10: vendors misbehaving)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from journeysync.vendors import adapter_for
from journeysync_cli.local.stack import LocalStack, vendor_secrets
from journeysync_cli.vendor_standin import VendorStandIn
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
    body = json.dumps(
        {
            "specversion": "1.0",
            "id": f"till-{n}",
            "source": "tills",
            "type": "membership.purchased",
            "time": "2026-11-30T10:00:00Z",
            "identity": {"emails": [email]},
            "data": {"tier": "individual", "term_months": 12},
        }
    ).encode()
    adapter = adapter_for("cloudevents")
    assert adapter is not None
    url = f"{stack.url}/webhooks/cloudevents"
    headers = adapter.signed_headers(stack.vendor_secrets["cloudevents"], body, url=url, now=datetime.now(UTC))
    return requests.post(url, data=body, headers=headers, timeout=20).status_code


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
