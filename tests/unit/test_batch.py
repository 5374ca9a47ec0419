"""The one way every queue handler settles a batch: ok → acknowledged, retry → batch item failure,
dead → its DLQ with the reason, then acknowledged (or failed when no DLQ is configured)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from journeysync.batch import OK, dead, each_record, retry, settle
from journeysync.errors import BadInputError, FatalError

DLQ = "https://sqs.eu-west-2.amazonaws.com/1/dlq"


def _event(*ids: str, group: str | None = None) -> dict[str, Any]:
    attributes = {"MessageGroupId": group} if group else {}
    return {"Records": [{"messageId": i, "receiptHandle": i, "body": f"body-{i}", "attributes": attributes,
                         "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:::q"}
                        for i in ids]}


def _sqs() -> Any:
    return boto3.client("sqs", region_name="eu-west-2", aws_access_key_id="x", aws_secret_access_key="x")


def _parked(stub: Stubber, message_id: str, reason: str, url: str = DLQ, **extra: Any) -> None:
    stub.add_response("send_message", {"MessageId": "d"}, {
        "QueueUrl": url, "MessageBody": f"body-{message_id}",
        "MessageAttributes": {"reason": {"DataType": "String", "StringValue": reason},
                              "hop": {"DataType": "String", "StringValue": "hop"},
                              "source_message_id": {"DataType": "String", "StringValue": message_id}},
        **extra,
    })


def test_each_verdict_is_acted_on_and_only_retries_are_reported_failed() -> None:
    sqs, warned = _sqs(), []
    verdicts = {"a": OK, "b": retry("throttled"), "c": dead("not JSON")}
    with Stubber(sqs) as stub:
        _parked(stub, "c", "not JSON")
        settled = settle(_event("a", "b", "c"), None, lambda r: verdicts[r.message_id], dlq_url=DLQ, hop="hop",
                         sqs=sqs, warn=lambda message, extra: warned.append(extra["message_id"]))
        stub.assert_no_pending_responses()
    assert settled.response == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert (settled.dead, settled.failed) == (1, 1) and warned == ["b", "c"]


def test_without_a_dlq_a_dead_record_fails_so_the_redrive_policy_parks_it() -> None:
    settled = settle(_event("a"), None, lambda r: dead("bad"), dlq_url="", hop="hop")
    assert settled.response == {"batchItemFailures": [{"itemIdentifier": "a"}]} and settled.dead == 0


def test_a_dlq_that_refuses_leaves_the_record_on_the_queue() -> None:
    sqs = _sqs()
    with Stubber(sqs) as stub:
        stub.add_client_error("send_message", "ServiceUnavailable", http_status_code=503)
        settled = settle(_event("a"), None, lambda r: dead("bad"), dlq_url=DLQ, hop="hop", sqs=sqs)
    assert settled.response == {"batchItemFailures": [{"itemIdentifier": "a"}]} and settled.dead == 0


def test_fifo_a_failure_fails_the_rest_of_its_group_but_not_other_groups() -> None:
    event = _event("a1", "a2", group="a")
    event["Records"] += _event("b1", group="b")["Records"]
    seen: list[str] = []

    def verdict_of(record: Any) -> Any:
        seen.append(record.message_id)
        if record.message_id == "a1":
            raise RuntimeError("table throttled")
        return OK

    settled = settle(event, None, verdict_of, dlq_url=DLQ + ".fifo", hop="hop", fifo=True)
    assert sorted(f["itemIdentifier"] for f in settled.response["batchItemFailures"]) == ["a1", "a2"]
    assert seen == ["a1", "b1"], "a2 is never applied before a1"


@pytest.mark.parametrize(("raised", "verdict"), [
    (BadInputError("missing", field="customer_id"), "dead"),
    (FatalError("vendor answered 404"), "dead"),
    (RuntimeError("socket closed"), "retry"),
])
def test_each_record_turns_what_the_handler_raises_into_a_verdict(raised: Exception, verdict: str) -> None:
    sqs = _sqs()

    def handle(record: Any) -> None:
        raise raised

    with Stubber(sqs) as stub:
        if verdict == "dead":
            stub.add_response("send_message", {"MessageId": "d"}, {"QueueUrl": DLQ, "MessageBody": "body-a",
                                                                   "MessageAttributes": ANY})
        settled = each_record(_event("a"), None, handle, dlq_url=DLQ, hop="hop", carries="a ProfileChanged",
                              sqs=sqs)
    if verdict == "dead":
        assert settled.dead == 1 and settled.response == {"batchItemFailures": []}
    else:
        assert settled.response == {"batchItemFailures": [{"itemIdentifier": "a"}]}
