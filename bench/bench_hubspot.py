"""HubSpot calls per 1,000 profile changes, through the local stack (crm_push batch upsert, ≤100 inputs a call).

Members buy memberships as signed CloudEvents; every committed change reaches crm_push through the
bus rule and its queue, and the vendor stand-in plays HubSpot and counts what it is sent.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import requests
from journeysync_local.stack import LocalStack, vendor_secrets
from journeysync_local.vendor_standin import VendorStandIn

from journeysync.vendors import adapter_for

MEMBERS = 300
UPSERT = r"^/crm/v3/objects/contacts/batch/upsert$"


def run() -> list[tuple[str, float, str]]:
    hubspot = VendorStandIn().start()
    params = {"CrmPushTarget": "hubspot", "HubSpotBaseUrl": hubspot.url}
    secrets = {**vendor_secrets(), "hubspot": "bench-token"}
    adapter = adapter_for("cloudevents")
    assert adapter is not None
    try:
        with LocalStack(parameters=params, secrets=secrets, moto_process=True) as stack:
            url = f"{stack.url}/webhooks/cloudevents"
            session = requests.Session()
            for n in range(MEMBERS):
                body = json.dumps(
                    {
                        "specversion": "1.0",
                        "id": f"hb-{n}",
                        "source": "tills",
                        "type": "membership.purchased",
                        "time": "2026-11-30T10:00:00Z",
                        "identity": {"emails": [f"hubspot{n}@example.org"]},
                        "data": {"tier": "individual", "term_months": 12},
                    }
                ).encode()
                headers = adapter.signed_headers(
                    stack.vendor_secrets["cloudevents"], body, url=url, now=datetime.now(UTC)
                )
                session.post(url, data=body, headers=headers, timeout=30)
            started = time.monotonic()
            stack.wait_idle(timeout=300, settle=0.3)
            drain = time.monotonic() - started
            changes = sum(1 for i in stack.invocations if i.function == "CrmPushFunction")
    finally:
        hubspot.stop()
    calls = hubspot.calls(UPSERT, method="POST")
    contacts = sum(len(c.json()["inputs"]) for c in calls)
    return [
        ("profile changes pushed (one new member each)", float(contacts), "contacts"),
        ("HubSpot batch upsert calls per 1,000 changes", len(calls) / contacts * 1000, "calls"),
        ("contacts per HubSpot call", contacts / len(calls), "contacts"),
        ("crm_push invocations", float(changes), "invocations"),
        ("seconds to drain after the last webhook", drain, "s"),
    ]
