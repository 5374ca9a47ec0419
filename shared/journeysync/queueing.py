"""Send canonical events to the FIFO events queue, the one door into the pipeline.

Group id = a stable hash of the best identity key (one customer's events stay in
order and never block another's); dedup id = the event id (SQS drops a redelivery
within 5 minutes; the fold, idempotent by natural key, covers the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from journeysync.errors import RetriableError
from journeysync.models.events import CustomerEvent

SQS_BATCH = 10


def message_for(event: CustomerEvent, index: int = 0) -> dict[str, Any]:
    """One SendMessageBatch entry (pure; unit-tested)."""
    return {
        "Id": str(index),
        "MessageBody": event.model_dump_json(),
        "MessageGroupId": event.group_key(),
        "MessageDeduplicationId": event.id,
        "MessageAttributes": {
            "type": {"DataType": "String", "StringValue": event.type},
            "source": {"DataType": "String", "StringValue": event.source},
        },
    }


def send_events(queue_url: str, events: Sequence[CustomerEvent], sqs: Any | None = None) -> list[str]:
    """Send `events` in batches of 10; raise RetriableError naming the failures if any entry is refused.

    Returns the SQS message ids. A caller that gets an exception has not been acknowledged
    and must not acknowledge its own sender.
    """
    if sqs is None:
        from journeysync.aws import client

        sqs = client("sqs")
    message_ids: list[str] = []
    for start in range(0, len(events), SQS_BATCH):
        chunk = events[start : start + SQS_BATCH]
        resp = sqs.send_message_batch(QueueUrl=queue_url, Entries=[message_for(e, i) for i, e in enumerate(chunk)])
        failed = resp.get("Failed") or []
        if failed:
            reasons = ", ".join(f"{f.get('Code')}: {f.get('Message', '')}" for f in failed)
            raise RetriableError(f"{len(failed)} of {len(chunk)} events not queued ({reasons})")
        message_ids += [s["MessageId"] for s in resp.get("Successful", [])]
    return message_ids


def dead_letter(
    dlq_url: str, body: str, reason: str, sqs: Any | None = None, group: str | None = None,
    *, hop: str = "", source_message_id: str = "",
) -> None:
    """Park a message that retrying cannot fix in its dead-letter queue, with the reason beside it.

    The reason travels as a message attribute so `journeysync dlq list` shows it and a redrive
    sends the body back unchanged. FIFO DLQs need a group (the original's) and a dedup id.
    """
    if sqs is None:
        from journeysync.aws import client

        sqs = client("sqs")
    kwargs: dict[str, Any] = {
        "QueueUrl": dlq_url,
        "MessageBody": body,
        "MessageAttributes": {"reason": {"DataType": "String", "StringValue": reason[:1000] or "unknown"}},
    }
    for name, value in (("hop", hop), ("source_message_id", source_message_id)):
        if value:
            kwargs["MessageAttributes"][name] = {"DataType": "String", "StringValue": value}
    if dlq_url.endswith(".fifo"):
        import hashlib

        kwargs["MessageGroupId"] = group or "dead-letter"
        kwargs["MessageDeduplicationId"] = hashlib.sha256(body.encode()).hexdigest()
    sqs.send_message(**kwargs)
