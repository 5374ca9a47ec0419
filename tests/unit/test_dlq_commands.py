"""The pure parts of `journeysync dlq`: what a redriven message looks like, and the one-line summary."""

from __future__ import annotations

from datetime import UTC, datetime

from journeysync.models import CustomerEvent, CustomerUpdated, IdentityKeys
from journeysync.queueing import message_for
from journeysync_cli.commands.dlq import send_entry, summarize

EVENT = CustomerEvent.create(source="square", vendor_event_id="u-1", time=datetime(2026, 5, 1, tzinfo=UTC),
                             identity=IdentityKeys(emails=["ann@example.com"]), data=CustomerUpdated(given_name="Ann"))


def _dlq_message(body: str, group: str | None = None) -> dict[str, object]:
    return {
        "MessageId": "m-1",
        "Body": body,
        "Attributes": {"MessageGroupId": group} if group else {},
        "MessageAttributes": {
            "reason": {"DataType": "String", "StringValue": "not a CustomerEvent"},
            "type": {"DataType": "String", "StringValue": "customer.updated", "StringListValues": []},
        },
    }


def test_a_fifo_redrive_keeps_the_original_group_and_drops_the_reason() -> None:
    entry = send_entry(_dlq_message("{}", group="g-original"), 3, fifo=True)
    assert entry["Id"] == "3" and entry["MessageGroupId"] == "g-original"
    assert entry["MessageAttributes"] == {"type": {"DataType": "String", "StringValue": "customer.updated"}}
    assert entry["MessageDeduplicationId"] == send_entry(_dlq_message("{}", group="x"), 0, fifo=True)[
        "MessageDeduplicationId"]  # one id per DLQ message: a retried redrive is deduplicated by SQS


def test_without_a_group_attribute_the_group_is_derived_from_the_event_like_message_for() -> None:
    entry = send_entry(_dlq_message(EVENT.model_dump_json()), 0, fifo=True)
    assert entry["MessageGroupId"] == message_for(EVENT)["MessageGroupId"]
    assert send_entry(_dlq_message("garbage"), 0, fifo=True)["MessageGroupId"] == "dead-letter"


def test_a_standard_queue_redrive_sends_no_fifo_fields() -> None:
    entry = send_entry(_dlq_message("{}"), 0, fifo=False)
    assert "MessageGroupId" not in entry and "MessageDeduplicationId" not in entry


def test_the_summary_shows_envelope_fields_or_the_start_of_the_body() -> None:
    assert summarize(EVENT.model_dump_json()).startswith(f"type=customer.updated id={EVENT.id} source=square")
    assert summarize('{"b": 1, "a": 2}') == "{a, b}"
    assert summarize("x" * 500).endswith("…") and len(summarize("x" * 500)) == 160
