"""Fault injection: a poison message is dead-lettered with its reason while the rest flow; `dlq` lists and replays it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from journeysync_local.stack import LocalStack
from typer.testing import CliRunner

from journeysync.identity import IdentityKey
from journeysync.models import CustomerEvent, CustomerUpdated, IdentityKeys, MembershipPurchased, Money
from journeysync.queueing import send_events
from journeysync.store import ProfileStore
from journeysync_cli.main import app
from tests.e2e.cli_support import cli

pytestmark = pytest.mark.e2e


def _event(vendor_id: str, email: str) -> CustomerEvent:
    return CustomerEvent.create(
        source="square", vendor_event_id=vendor_id, time=datetime.now(UTC), identity=IdentityKeys(emails=[email]),
        data=MembershipPurchased(tier="individual", term_months=12, channel="pos",
                                 amount=Money(amount=6500, currency="GBP"), order_id=f"ord-{vendor_id}"),
    )


def test_a_poison_message_is_dead_lettered_with_its_reason_listed_and_replayed_after_a_fix(
    cli_stack: LocalStack,
) -> None:
    sqs = cli_stack.client("sqs")
    queue, dlq = cli_stack.resources["EventsQueue"], cli_stack.resources["EventsDLQ"]
    store = ProfileStore(cli_stack.resources["Table"], cli_stack.client("dynamodb"))
    fixed = _event("pay-poison", "poison@example.org")
    broken = json.loads(fixed.model_dump_json())
    broken["type"] = "membership.purchsed"  # a vendor mapping bug: not a CustomerEvent
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(broken), MessageGroupId=fixed.group_key(),
                     MessageDeduplicationId="poison-1")
    send_events(queue, [_event("pay-ok", "fine@example.org"),
                        CustomerEvent.create(source="square", vendor_event_id="upd-ok", time=datetime.now(UTC),
                                             identity=IdentityKeys(emails=["fine@example.org"]),
                                             data=CustomerUpdated(given_name="Fine"))], sqs=sqs)
    cli_stack.wait_idle(timeout=20)

    assert store.owner_of(IdentityKey("email", "fine@example.org")) is not None  # the rest flowed
    assert store.owner_of(IdentityKey("email", "poison@example.org")) is None
    listed = {q["queue"]: q for q in cli("dlq", "list", "--json")}
    assert {"EventsDLQ", "EnrichmentDLQ", "CrmPushDLQ", "CrmToEmailDLQ"} <= set(listed)
    assert listed["EventsDLQ"]["source"] == "EventsQueue" and listed["CrmToEmailDLQ"]["source"] == "CrmToEmailQueue"
    [parked] = listed["EventsDLQ"]["messages"]
    assert parked["reason"].startswith("not a CustomerEvent: type:")
    assert "type=membership.purchsed" in parked["summary"] and parked["group_id"] == fixed.group_key()
    assert not any(q["messages"] for lid, q in listed.items() if lid != "EventsDLQ")
    assert "membership.purchsed" in cli("dlq", "list", "--queue", "EventsDLQ")  # human output; peeking consumed nothing

    # the fix: an operator corrects the body in place (same group, same reason beside it)
    [msg] = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"]
    sqs.send_message(QueueUrl=dlq, MessageBody=fixed.model_dump_json(), MessageGroupId=msg["Attributes"]["MessageGroupId"],
                     MessageDeduplicationId="corrected-1", MessageAttributes={
                         "reason": {"DataType": "String", "StringValue": parked["reason"]}})
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=msg["ReceiptHandle"])

    declined = CliRunner().invoke(app,
                                  ["dlq", "redrive", "--queue", "EventsDLQ"], input="n\n")
    assert declined.exit_code == 1 and cli_stack.queue_depths([dlq])[dlq]["visible"] == 1  # asked, nothing moved

    # the replayed event is processed while the command still runs and prints
    [summary] = cli("dlq", "redrive", "--queue", "EventsDLQ", "--yes", "--json")
    assert summary == {"queue": "EventsDLQ", "source": "EventsQueue", "moved": 1, "errors": []}
    cli_stack.wait_idle(timeout=20)
    owner = store.owner_of(IdentityKey("email", "poison@example.org"))
    assert owner is not None
    replayed = store.get(owner)
    assert replayed is not None and replayed.profile.membership.can_book_online is True
    assert cli_stack.queue_depths([dlq])[dlq] == {"visible": 0, "in_flight": 0, "delayed": 0}
    assert not [m for q in cli("dlq", "list", "--json") for m in q["messages"]]

    wrong = CliRunner().invoke(app,
                               ["dlq", "redrive", "--queue", "EventsQueue", "--yes"])
    assert wrong.exit_code == 1 and "not a dead-letter queue" in wrong.output
