"""Lambda's SQS event-source mapping, played against the moto server.

What the poller does itself: batch size and batching window, the Lambda SQS record
shape, calling the handler, and deleting what succeeded (everything, or everything but
the `batchItemFailures` when the mapping has `ReportBatchItemFailures`). What it leaves
to SQS, exactly as Lambda does: visibility timeouts (a failed record reappears when the
queue's own timeout expires), FIFO group locking (SQS never hands out a group that has
messages in flight) and redrive to the dead-letter queue after `maxReceiveCount`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from journeysync_local.moto_server import LOCAL_REGION

IDLE_WAIT_SECONDS = 1


@dataclass
class MappingSpec:
    """One AWS::Lambda::EventSourceMapping on a queue (or a rule's delivery queue)."""

    logical_id: str
    function: str
    queue_url: str
    queue_arn: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_failures: bool = False
    maximum_concurrency: int = 0  # ScalingConfig.MaximumConcurrency (0: only the function's own limit)
    enabled: bool = True
    kind: str = "sqs"  # "sqs": Lambda SQS records; "eventbridge": one EventBridge event per invoke

    @property
    def fifo(self) -> bool:
        return self.queue_url.endswith(".fifo")


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The record Lambda builds from one ReceiveMessage entry."""
    attributes = {
        k: v
        for k, v in (message.get("Attributes") or {}).items()
        if k
        in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
            "AWSTraceHeader",
            "DeadLetterQueueSourceArn",
        )
    }
    message_attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        entry: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        message_attributes[name] = entry
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message.get("Body", "").encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": LOCAL_REGION,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(result: Any, batch_ids: set[str]) -> set[str] | None:
    """The records to keep from a ReportBatchItemFailures reply; None means the whole batch failed.

    Lambda treats a malformed reply (unknown or empty itemIdentifier) as a failure of every record.
    """
    if result is None:
        return set()
    if not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    ids: set[str] = set()
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in batch_ids:
            return None
        ids.add(ident)
    return ids


class Poller:
    """Receive → invoke → delete, until stopped, on up to `concurrency` batches at once.

    Like Lambda's SQS pollers it scales with the backlog: one long-polling thread while the
    queue is quiet; each thread that receives messages starts another (up to `concurrency`),
    and an extra thread that finds the queue empty ends.
    """

    def __init__(
        self,
        spec: MappingSpec,
        sqs: Any,
        invoke: Callable[[MappingSpec, Any, list[dict[str, Any]]], Any],
        on_error: Callable[[str], None],
        concurrency: int = 1,
    ) -> None:
        self.spec = spec
        self._sqs = sqs
        self._invoke = invoke
        self._on_error = on_error
        self.concurrency = max(1, concurrency)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = 0
        self._busy = 0
        self.peak_concurrency = 0
        self.batches = 0
        self.records_ok = 0
        self.records_failed = 0

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def start(self) -> None:
        self._spawn(primary=True)

    def _spawn(self, primary: bool = False) -> None:
        with self._lock:
            if not primary and self._threads >= self.concurrency:
                return
            self._threads += 1
            name = f"poller-{self.spec.logical_id}-{self._threads}"
        threading.Thread(target=self._run, args=(primary,), name=name, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 5.0) -> None:
        """Wait for a batch being processed; an idle long poll is left to finish on its own."""
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.02)

    def _receive_once(self, limit: int, wait: int) -> list[dict[str, Any]]:
        resp = self._sqs.receive_message(
            QueueUrl=self.spec.queue_url,
            MaxNumberOfMessages=max(1, min(10, limit)),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(resp.get("Messages") or [])

    def _receive(self) -> list[dict[str, Any]]:
        """Long-poll for the first message, then fill the batch until it is full or the window closes."""
        spec = self.spec
        messages = self._receive_once(spec.batch_size, IDLE_WAIT_SECONDS)
        if not messages or spec.batching_window <= 0:
            return messages
        deadline = time.monotonic() + spec.batching_window
        while len(messages) < spec.batch_size and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            got = self._receive_once(spec.batch_size - len(messages), min(1, int(remaining)))
            if not got:
                self._stop.wait(min(0.05, max(0.0, remaining)))
            messages += got
        return messages

    def _run(self, primary: bool) -> None:
        try:
            while not self._stop.is_set():
                try:
                    messages = self._receive()
                except Exception as exc:
                    if self._stop.is_set():
                        return
                    self._on_error(f"{self.spec.logical_id}: receive failed: {exc}")
                    self._stop.wait(1)
                    continue
                if not messages and not primary:
                    return  # the backlog is gone: scale back in
                if not messages or self._stop.is_set():
                    continue  # received after stop: the messages reappear after their visibility timeout
                with self._lock:
                    self._busy += 1
                    self.peak_concurrency = max(self.peak_concurrency, self._busy)
                self._spawn()
                try:
                    self._process(messages)
                finally:
                    with self._lock:
                        self._busy -= 1
        finally:
            with self._lock:
                self._threads -= 1

    def _process(self, messages: list[dict[str, Any]]) -> None:
        spec = self.spec
        self.batches += 1
        if spec.kind == "eventbridge":
            for message in messages:
                try:
                    self._invoke(spec, json.loads(message["Body"]), [message])
                except Exception:
                    self.records_failed += 1
                    continue
                self._delete([message])
                self.records_ok += 1
            return
        event = {"Records": [lambda_record(m, spec.queue_arn) for m in messages]}
        try:
            result = self._invoke(spec, event, messages)
        except Exception:
            self.records_failed += len(messages)
            return  # the whole batch becomes visible again after the queue's visibility timeout
        keep: set[str] = set()
        if spec.report_failures:
            reported = failed_ids(result, {m["MessageId"] for m in messages})
            if reported is None:
                self._on_error(f"{spec.function}: malformed batchItemFailures; the whole batch is retried")
                self.records_failed += len(messages)
                return
            keep = reported
        done = [m for m in messages if m["MessageId"] not in keep]
        self.records_ok += len(done)
        self.records_failed += len(messages) - len(done)
        self._delete(done)

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            resp = self._sqs.delete_message_batch(QueueUrl=self.spec.queue_url, Entries=entries)
            for failure in resp.get("Failed") or []:
                self._on_error(f"{self.spec.logical_id}: delete failed: {failure}")
