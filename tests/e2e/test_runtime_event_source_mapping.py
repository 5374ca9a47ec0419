"""The local SQS event-source mapping behaves like Lambda's: partial batch failure, visibility
timeout retries, redrive to the DLQ after maxReceiveCount, FIFO order, whole-batch failure on a crash."""

from __future__ import annotations

import json

import pytest
from journeysync_local.stack import LocalStack

from tests.e2e.fixtures.effects import effects

pytestmark = pytest.mark.e2e


def _send_batch(stack: LocalStack, queue: str, bodies: list[dict[str, object]]) -> None:
    entries = [{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)]
    resp = stack.client("sqs").send_message_batch(QueueUrl=stack.resources[queue], Entries=entries)
    assert not resp.get("Failed")


def _drain(stack: LocalStack, queue: str) -> list[dict[str, object]]:
    sqs = stack.client("sqs")
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=stack.resources[queue], MaxNumberOfMessages=10).get("Messages") or []
        if not got:
            return bodies
        bodies += [json.loads(m["Body"]) for m in got]


def test_a_batch_with_one_failing_record_retries_only_that_record(fixture_stack: LocalStack) -> None:
    _send_batch(fixture_stack, "WorkQueue", [{"id": f"ok{i}"} for i in range(4)] + [{"id": "flaky", "fail_until": 2}])
    fixture_stack.wait_idle(timeout=20)

    done = {item["pk"]: item for item in effects(fixture_stack, "done#")}
    assert set(done) == {"done#ok0", "done#ok1", "done#ok2", "done#ok3", "done#flaky"}
    for i in range(4):
        assert done[f"done#ok{i}"]["sk"] == "001"  # processed once, never retried
    assert [i["sk"] for i in effects(fixture_stack, "fail#flaky")] == ["001"]
    assert done["done#flaky"]["sk"] == "002"  # second receive, after the queue's visibility timeout
    assert done["done#flaky"]["batch"] == "1"  # retried alone
    assert _drain(fixture_stack, "WorkDLQ") == []


def test_a_poison_message_reaches_the_dlq_after_max_receive_count_while_the_rest_flow(
    fixture_stack: LocalStack,
) -> None:
    _send_batch(fixture_stack, "WorkQueue", [{"id": "poison", "poison": True}] + [{"id": f"ok{i}"} for i in range(3)])
    fixture_stack.wait_idle(timeout=20)

    assert [i["sk"] for i in effects(fixture_stack, "fail#poison")] == ["001", "002", "003"]  # maxReceiveCount 3
    assert {i["pk"] for i in effects(fixture_stack, "done#")} == {"done#ok0", "done#ok1", "done#ok2"}
    assert _drain(fixture_stack, "WorkDLQ") == [{"id": "poison", "poison": True}]


def test_a_handler_exception_fails_the_whole_batch(fixture_stack: LocalStack) -> None:
    _send_batch(fixture_stack, "WorkQueue", [{"id": "innocent"}, {"id": "crasher", "crash": True}])
    fixture_stack.wait_idle(timeout=20)

    # the innocent record was handled (when it came before the crash in the batch), but the batch
    # failed, so it was never deleted: it came back until it was dead-lettered with the crasher
    assert {i["sk"] for i in effects(fixture_stack, "done#innocent")} <= {"001", "002", "003"}
    assert effects(fixture_stack, "done#innocent")
    assert sorted(b["id"] for b in _drain(fixture_stack, "WorkDLQ")) == ["crasher", "innocent"]
    assert any("crash requested by the message" in line.line for line in fixture_stack.logs)


def test_fifo_order_holds_within_each_message_group(fixture_stack: LocalStack) -> None:
    sqs = fixture_stack.client("sqs")
    url = fixture_stack.resources["OrderedQueue"]
    for seq in range(7):
        for group in ("alice", "bob", "carol"):
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"seq": seq, "g": group}), MessageGroupId=group)
    fixture_stack.wait_idle(timeout=20)

    for group in ("alice", "bob", "carol"):
        items = effects(fixture_stack, f"group#{group}")
        processed_order = [int(i["seq"]) for i in sorted(items, key=lambda i: int(i["sk"]))]
        assert processed_order == list(range(7)), group


def test_an_eventbridge_rule_delivers_to_its_queue_and_consumer(fixture_stack: LocalStack) -> None:
    _send_batch(fixture_stack, "WorkQueue", [{"id": "publisher", "publish": {"hello": "world"}}])
    fixture_stack.wait_idle(timeout=20)

    fanout_arn = f"arn:aws:sqs:eu-west-2:123456789012:{fixture_stack.resources['FanoutQueue'].rsplit('/', 1)[-1]}"
    delivered = [i for i in effects(fixture_stack, "done#") if i["queue"] == fanout_arn]
    assert len(delivered) == 1
    assert {i["pk"] for i in effects(fixture_stack, "done#publisher")} == {"done#publisher"}
