"""Each function runs like Lambda runs it: its own worker processes, up to its concurrency, killed at its timeout."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from journeysync_local.functions import HandlerFailedError
from journeysync_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def test_the_first_call_of_an_instance_is_a_measured_cold_start_and_later_calls_reuse_it(
    fixture_stack: LocalStack,
) -> None:
    first = fixture_stack.invoke("SleepFunction", {})
    second = fixture_stack.invoke("SleepFunction", {})
    assert first["pid"] == second["pid"]
    runs = [i for i in fixture_stack.invocations if i.function == "SleepFunction"]
    assert [i.cold for i in runs] == [True, False]
    assert runs[0].init_ms is not None and runs[0].init_ms > 0
    assert runs[1].init_ms is None


def test_concurrent_calls_run_in_parallel_processes_up_to_the_reserved_concurrency(fixture_stack: LocalStack) -> None:
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: fixture_stack.invoke("SleepFunction", {"sleep": 0.6}), range(4)))
    assert len({r["pid"] for r in replies}) == 2  # ReservedConcurrentExecutions: 2
    assert fixture_stack.runner is not None and fixture_stack.runner.instances("SleepFunction") == 2
    spans = sorted((r["started"], r["ended"]) for r in replies)
    assert spans[1][0] < spans[0][1], "two calls overlapped"
    assert spans[2][0] >= min(spans[0][1], spans[1][1]) - 0.05, "the third waited for a free instance"


def test_a_call_past_the_template_timeout_kills_its_worker_and_the_next_call_starts_a_fresh_one(
    fixture_stack: LocalStack,
) -> None:
    before = fixture_stack.invoke("SleepFunction", {})
    started = time.monotonic()
    with pytest.raises(HandlerFailedError, match=r"Task timed out after 2\.00 seconds"):
        fixture_stack.invoke("SleepFunction", {"sleep": 30})
    assert time.monotonic() - started < 10
    after = fixture_stack.invoke("SleepFunction", {})
    assert after["pid"] != before["pid"]
    assert fixture_stack.invocations[-1].cold is True


def test_a_worker_has_exactly_its_functions_environment(fixture_stack: LocalStack) -> None:
    env = set(fixture_stack.invoke("SleepFunction", {})["env"])
    assert "EFFECTS_TABLE" in env and "AWS_LAMBDA_FUNCTION_NAME" in env and "AWS_ENDPOINT_URL" in env
    assert "WORK_QUEUE_URL" not in env  # another function's variable
    assert not {"HOME", "PYTEST_CURRENT_TEST", "PYTHONPATH", "VIRTUAL_ENV"} & env  # nothing of the parent's


def test_handler_output_reaches_the_parent_attributed_to_its_function(fixture_stack: LocalStack) -> None:
    with pytest.raises(HandlerFailedError):
        fixture_stack.invoke("BatchFunction", {"Records": [{"body": '{"crash": true}', "attributes": {"ApproximateReceiveCount": "1"}}]})
    lines = [line for line in fixture_stack.logs if line.function == "BatchFunction"]
    assert any("crash requested by the message" in line.line for line in lines)
    assert all(str(line).startswith("[BatchFunction] ") for line in lines)
