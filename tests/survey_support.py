"""Helpers for the survey_router tests: signed Delighted deliveries and the local SES outbox."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import requests
from journeysync_local.stack import LocalStack

from journeysync.vendors import adapter_for
from tests.events import ROOT


def delighted_body(name: str, email: str, response_id: str, *, score: int = 3, comment: str | None = None,
                   touchpoint: str = "membership-desk") -> bytes:
    doc = json.loads((ROOT / "delighted" / f"{name}.json").read_text())
    doc["event_id"] = f"{doc['event_id']}-{response_id}"
    data = doc["event_data"]
    data["id"], data["score"], data["person"]["email"] = response_id, score, email
    data["person_properties"]["touchpoint"] = touchpoint
    if comment is not None:
        data["comment"] = comment
    return json.dumps(doc).encode()


def post_delighted(stack: LocalStack, body: bytes) -> requests.Response:
    adapter = adapter_for("delighted")
    assert adapter is not None
    url = f"{stack.url}/webhooks/delighted"
    headers = adapter.signed_headers(stack.vendor_secrets["delighted"], body, url=url, now=datetime.now(UTC))
    return requests.post(url, data=body, headers={"content-type": "application/json", **headers}, timeout=10)


def outbox(stack: LocalStack, mentioning: str) -> list[dict[str, Any]]:
    """Emails in the moto server's SES outbox whose body mentions `mentioning` (moto keeps them per server)."""
    data = requests.get(f"{stack.moto_url}/moto-api/data.json", timeout=10).json()
    return [m for m in data.get("ses", {}).get("Message", []) if mentioning in (m.get("body") or "")]


def links_in(message: dict[str, Any]) -> dict[str, str]:
    """'claim' / 'resolve' → URL, from an alert email's HTML body."""
    found = re.findall(r"href='([^']+/alerts/(claim|resolve)/[^']+)'", message["body"])
    return {action: url.replace("&amp;", "&") for url, action in found}
