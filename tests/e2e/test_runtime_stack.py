"""The local stack follows the template (schedules, new resources) and other processes can find it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from journeysync_local.stack import LocalStack
from journeysync_local.template import load_template

from tests.e2e.fixtures import FIXTURE_TEMPLATE, StartStack
from tests.e2e.fixtures.effects import effects

pytestmark = pytest.mark.e2e


def test_a_schedule_fires_on_its_rate_accelerated_by_speed(start_local_stack: StartStack) -> None:
    stack = start_local_stack(FIXTURE_TEMPLATE, speed=240)  # rate(1 minute) → every 0.25 s
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(effects(stack, "tick")) < 2:
        time.sleep(0.1)
    ticks = effects(stack, "tick")
    assert len(ticks) >= 2
    assert {t["job"] for t in ticks} == {"tick"}  # the rule's constant Input reached the handler


def test_fire_schedule_invokes_the_function_now(fixture_stack: LocalStack) -> None:
    assert fixture_stack.fire_schedule("TickFunction") == [{"ticked": True}]
    assert len(effects(fixture_stack, "tick")) == 1
    with pytest.raises(KeyError):
        fixture_stack.fire_schedule("EchoFunction")


def test_a_queue_added_to_the_template_runs_locally_with_no_code_change(
    start_local_stack: StartStack, tmp_path: Path
) -> None:
    template = load_template(FIXTURE_TEMPLATE)
    template["Resources"]["ExtraQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "VisibilityTimeout": 1,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["WorkDLQ", "Arn"]}, "maxReceiveCount": 2},
        },
    }
    template["Resources"]["BatchFunction"]["Properties"]["Events"]["Extra"] = {
        "Type": "SQS",
        "Properties": {"Queue": {"Fn::GetAtt": ["ExtraQueue", "Arn"]}, "BatchSize": 1},
    }
    copy = tmp_path / "template.yaml"
    copy.write_text(yaml.safe_dump(template))

    stack = start_local_stack(copy)
    extra = stack.resources["ExtraQueue"]
    attrs = stack.client("sqs").get_queue_attributes(QueueUrl=extra, AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 2
    stack.client("sqs").send_message(QueueUrl=extra, MessageBody=json.dumps({"id": "via-extra"}))
    stack.wait_idle(timeout=10)
    [done] = effects(stack, "done#via-extra")
    assert done["queue"].endswith(extra.rsplit("/", 1)[-1])
    assert done["batch"] == "1"


def test_two_stacks_of_one_template_do_not_share_resources(start_local_stack: StartStack) -> None:
    first = start_local_stack(FIXTURE_TEMPLATE)
    second = start_local_stack(FIXTURE_TEMPLATE)
    assert set(first.resources.values()).isdisjoint(second.resources.values())
    first.client("sqs").send_message(
        QueueUrl=first.resources["WorkQueue"], MessageBody=json.dumps({"id": "only-first"})
    )
    first.wait_idle(timeout=10)
    second.wait_idle(timeout=10)
    assert [i["pk"] for i in effects(first, "done#")] == ["done#only-first"]
    assert effects(second, "done#") == []


def test_a_second_journeysync_process_finds_the_stack_through_the_state_file(
    start_local_stack: StartStack, tmp_path: Path
) -> None:
    state_file = tmp_path / ".journeysync" / "stack.json"
    stack = start_local_stack(FIXTURE_TEMPLATE, state_file=state_file)
    stack.client("sqs").send_message(QueueUrl=stack.resources["WorkDLQ"], MessageBody="{}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run(
        [sys.executable, "-m", "journeysync_cli.main", "stack", "info", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    info = json.loads(out.stdout)
    assert info["mode"] == "local"
    assert info["gateway_url"] == stack.url
    assert info["resources"]["WorkQueue"] == stack.resources["WorkQueue"]
    assert info["queue_depths"]["WorkDLQ"] == 1  # it really talked to the stack's moto server

    stack.stop()
    assert not state_file.exists()
