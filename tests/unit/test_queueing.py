from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from journeysync.errors import RetriableError
from journeysync.models import CustomerEvent, IdentityKeys, TicketBooked
from journeysync.queueing import message_for, send_events


def _event(n: int) -> CustomerEvent:
    return CustomerEvent.create(
        source="shopify",
        vendor_event_id=f"E{n}",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        data=TicketBooked(order_id=f"o{n}", event_ref="x"),
        identity=IdentityKeys(emails=[f"p{n % 3}@example.com"]),
    )


def test_message_uses_identity_group_and_event_id_dedup() -> None:
    event = _event(1)
    msg = message_for(event)
    assert msg["MessageGroupId"] == event.group_key()
    assert msg["MessageDeduplicationId"] == event.id
    assert CustomerEvent.model_validate_json(msg["MessageBody"]) == event


def test_events_are_sent_in_batches_of_ten() -> None:
    import boto3

    sqs = boto3.client("sqs", region_name="eu-west-2")
    events = [_event(i) for i in range(23)]
    with Stubber(sqs) as stub:
        for size in (10, 10, 3):
            stub.add_response(
                "send_message_batch",
                {
                    "Successful": [{"Id": str(i), "MessageId": f"m{i}", "MD5OfMessageBody": "x"} for i in range(size)],
                    "Failed": [],
                },
            )
        ids = send_events("https://q", events, sqs)
    assert len(ids) == 23


def test_a_refused_entry_raises_so_the_sender_is_not_acknowledged() -> None:
    import boto3

    sqs = boto3.client("sqs", region_name="eu-west-2")
    with Stubber(sqs) as stub:
        stub.add_response(
            "send_message_batch",
            {
                "Successful": [],
                "Failed": [{"Id": "0", "SenderFault": False, "Code": "InternalError", "Message": "boom"}],
            },
        )
        with pytest.raises(RetriableError, match="InternalError"):
            send_events("https://q", [_event(1)], sqs)
