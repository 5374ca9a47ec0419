"""Abandoned checkouts end to end over HTTP: a signed Shopify `checkouts/create` with no order → once the
touchpoint's time has passed (the journey sweep, fired by the local scheduler as of three hours later) an
`abandoned` work item for the online shop's team and the member in the abandoned_checkout segment at the
email destination; the paid order naming the checkout → the segment is left and the item closed, within
seconds. An order that arrives before its checkout's webhook never makes an item."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from journeysync_local.stack import LocalStack

from tests.e2e.cli_support import cli
from tests.events import load_sample
from tests.survey_support import outbox

pytestmark = pytest.mark.e2e


def _post_shopify(stack: LocalStack, doc: dict[str, Any]) -> None:
    assert stack.post_webhook("shopify", json.dumps(doc).encode(), timeout=20).status_code in (200, 202)
    stack.wait_idle(timeout=30)


def _checkout(email: str, token: str) -> dict[str, Any]:
    doc = load_sample("shopify", "checkouts-create").json()
    doc.update(token=token, email=email, buyer_accepts_marketing=True,
               created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    doc["customer"] = {**doc["customer"], "email": email, "id": int(uuid.uuid4().int % 10**15)}
    return doc


def _order(email: str, token: str) -> dict[str, Any]:
    doc = load_sample("shopify", "orders-paid").json()
    doc.update(id=int(uuid.uuid4().int % 10**15), email=email, checkout_token=token,
               processed_at=datetime.now(UTC).isoformat(timespec="seconds"))
    doc["customer"] = {**doc["customer"], "email": email}
    return doc


def _topics(stack: LocalStack, email: str) -> dict[str, str]:
    contact = stack.client("sesv2").get_contact(ContactListName=stack.resources["ContactList"], EmailAddress=email)
    return {p["TopicName"]: p["SubscriptionStatus"] for p in contact["TopicPreferences"]}


def _abandoned(email: str) -> list[dict[str, Any]]:
    return [i for i in cli("work", "list", "--kind", "abandoned", "--json") if i["customer"]["email"] == email]


@pytest.mark.timeout(180)
def test_a_checkout_without_an_order_becomes_an_abandoned_item_and_segment_until_the_order_arrives(
    cli_stack: LocalStack,
) -> None:
    run = uuid.uuid4().hex[:8]
    carol, token = f"carol-{run}@example.com", f"ck-{run}"
    dan, dans_token = f"dan-{run}@example.com", f"ck-dan-{run}"
    _post_shopify(cli_stack, _checkout(carol, token))
    _post_shopify(cli_stack, _order(dan, dans_token))  # out of order: Dan's order is told before his checkout
    _post_shopify(cli_stack, _checkout(dan, dans_token))
    assert _abandoned(carol) == [] and _topics(cli_stack, carol)["abandoned-checkout"] == "OPT_OUT"

    later = datetime.now(UTC) + timedelta(hours=3)
    cli_stack.fire_schedule("JourneySweepFunction", at=later)
    cli_stack.wait_idle(timeout=30)
    [item] = _abandoned(carol)
    assert (item["status"], item["team"], item["title"]) == ("open", "online-sales", "abandoned checkout at online-shop")
    assert _topics(cli_stack, carol)["abandoned-checkout"] == "OPT_IN"
    [message] = outbox(cli_stack, carol)
    assert message["destinations"]["ToAddresses"] == ["shop@riverside-museum.example"]
    assert "Follow up an abandoned purchase" in message["subject"] and "/recover?key=" in message["body"]
    assert _abandoned(dan) == [] and _topics(cli_stack, dan)["abandoned-checkout"] == "OPT_OUT"

    _post_shopify(cli_stack, _checkout(carol, token))  # redelivered, and a second sweep: still one item
    cli_stack.fire_schedule("JourneySweepFunction", at=later + timedelta(minutes=5))
    cli_stack.wait_idle(timeout=30)
    assert [i["id"] for i in _abandoned(carol)] == [item["id"]] and len(outbox(cli_stack, carol)) == 1

    started = time.monotonic()
    _post_shopify(cli_stack, _order(carol, token))
    assert _topics(cli_stack, carol)["abandoned-checkout"] == "OPT_OUT"
    [closed] = _abandoned(carol)
    assert (closed["id"], closed["status"]) == (item["id"], "closed") and closed["closed_at"]
    assert time.monotonic() - started < 15
