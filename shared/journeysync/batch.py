"""An SQS batch's outcome, settled the same way by every queue handler.

Each record gets a verdict. `ok` is acknowledged. `retry` (something that may work later:
a throttled table, a vendor's 5xx) becomes a batch item failure, so SQS hands it back after
the visibility timeout and redrives it to the DLQ after maxReceiveCount. `dead` (something
no retry can fix: a body that is not what the queue carries, a vendor's 4xx) goes to the
hop's dead-letter queue at once with the reason as a message attribute — where `journeysync
dlq list` shows it and `dlq replay` sends it back unchanged — and is then acknowledged, so it
neither blocks its FIFO group nor burns retries. With no DLQ configured a dead record fails
like a retry and the queue's redrive policy parks it instead.

Built on Powertools Batch: `BatchProcessor` for standard queues, `SqsFifoPartialProcessor`
for FIFO ones (after a failure the rest of that message group is failed too, keeping order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from journeysync.errors import BadInputError, FatalError, RetriableError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


@dataclass(frozen=True)
class Verdict:
    status: Literal["ok", "retry", "dead"]
    reason: str = ""


OK = Verdict("ok")


def retry(reason: str) -> Verdict:
    return Verdict("retry", reason)


def dead(reason: str) -> Verdict:
    return Verdict("dead", reason)


@dataclass
class Settled:
    response: dict[str, Any]  # the Lambda reply: {"batchItemFailures": [...]}
    dead: int = 0
    failed: int = 0


Warn = Callable[[str, dict[str, Any]], None]


def settle(
    event: dict[str, Any],
    context: Any,
    verdict_of: Callable[[SQSRecord], Verdict],
    *,
    dlq_url: str | None,
    hop: str,
    fifo: bool = False,
    sqs: Any | None = None,
    warn: Warn | None = None,
) -> Settled:
    """Ask `verdict_of` about each record, in order, and act on the answers (see the module).

    `verdict_of` may also raise: that record is failed (retried), as any unforeseen error is.
    """
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, SqsFifoPartialProcessor

    from journeysync.queueing import dead_letter

    settled = Settled(response={})

    def handle(record: SQSRecord) -> None:
        try:
            verdict = verdict_of(record)
        except Exception as exc:
            if warn is not None:
                warn("record not acknowledged", {"message_id": record.message_id, "verdict": "retry",
                                                 "reason": f"{type(exc).__name__}: {exc}"[:500]})
            raise
        if verdict.status == "ok":
            return
        if warn is not None:
            warn("record not acknowledged" if verdict.status == "retry" or not dlq_url else "record dead-lettered",
                 {"message_id": record.message_id, "reason": verdict.reason, "verdict": verdict.status})
        if verdict.status == "retry":
            raise RetriableError(verdict.reason)
        if not dlq_url:
            raise FatalError(verdict.reason)
        dead_letter(dlq_url, record.body or "", verdict.reason, sqs=sqs,
                    group=record.attributes.message_group_id, hop=hop, source_message_id=record.message_id)
        settled.dead += 1

    processor: Any = (SqsFifoPartialProcessor(skip_group_on_error=True) if fifo
                      else BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False))
    with processor(event.get("Records") or [], handle, lambda_context=context):
        processor.process()
    settled.response = dict(processor.response())
    settled.failed = len(settled.response.get("batchItemFailures") or [])
    return settled


def each_record(
    event: dict[str, Any],
    context: Any,
    handle: Callable[[SQSRecord], None],
    *,
    dlq_url: str | None,
    hop: str,
    carries: str = "a readable message",
    sqs: Any | None = None,
    warn: Warn | None = None,
) -> Settled:
    """For records that stand alone: `handle` raising BadInputError (the body is not what the queue
    `carries`) or FatalError → dead; anything else → retry."""

    def verdict_of(record: SQSRecord) -> Verdict:
        try:
            handle(record)
        except BadInputError as exc:
            return dead(f"not {carries}: {exc}")
        except FatalError as exc:
            return dead(str(exc))
        return OK

    return settle(event, context, verdict_of, dlq_url=dlq_url, hop=hop, sqs=sqs, warn=warn)
