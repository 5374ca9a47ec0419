"""`journeysync dev` killed (SIGKILL) while it works through acknowledged webhooks, then restarted on the same
moto server → nothing lost, nothing applied twice, nothing dead-lettered (issue 10: the stack killed mid-batch).

Acknowledged means archived and queued, so the queue — which survives the kill with the moto server —
holds everything the dead process had not finished; in-flight batches come back after their (shortened)
visibility timeout and fold to the state already committed, so an event already applied changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from journeysync_local.moto_server import LOCAL_REGION, start_moto_process

from journeysync.vendors.cloudevents import sign

pytestmark = pytest.mark.e2e

SECRET = "restart-secret"
CUSTOMERS = [f"restart{i}@example.org" for i in range(16)]


def _dev(tmp_path: Path, moto_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"JOURNEYSYNC_STATE_FILE": str(tmp_path / "stack.json"), "JOURNEYSYNC_CLOUDEVENTS_SECRET": SECRET})
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "journeysync_cli.main",
            "dev",
            "--port",
            "0",
            "--quiet",
            "--moto-url",
            moto_url,
            "--stack-name",
            "restart",
            "--visibility-scale",
            "0.05",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _state(tmp_path: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    path = tmp_path / "stack.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "journeysync dev exited"
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text())
            if data.get("pid") == process.pid:
                return data
        time.sleep(0.2)
    raise AssertionError("journeysync dev did not write its state file")


def _events() -> list[bytes]:
    out = []
    for n, email in enumerate(CUSTOMERS):
        for k, (kind, data) in enumerate(
            [
                ("membership.purchased", {"tier": "individual", "term_months": 12}),
                ("ticket.checked_in", {"event_ref": "general-admission"}),
                ("customer.updated", {"given_name": f"Member{n}"}),
            ]
        ):
            out.append(
                json.dumps(
                    {
                        "specversion": "1.0",
                        "id": f"r-{n}-{k}",
                        "source": "tills",
                        "type": kind,
                        "time": f"2026-11-30T1{k}:00:00Z",
                        "identity": {"emails": [email]},
                        "data": data,
                    }
                ).encode()
            )
    return out


def _idle(sqs: Any, queues: list[str], dlqs: list[str], timeout: float = 150) -> None:
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        busy = 0
        for url in queues:
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            busy += int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
        quiet = quiet + 1 if busy == 0 else 0
        if quiet >= 6:
            return
        time.sleep(0.5)
    raise AssertionError("the restarted stack did not drain its queues")


@pytest.mark.timeout(300)
def test_a_stack_killed_mid_batch_and_restarted_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    moto = start_moto_process()
    first = _dev(tmp_path, moto.url)
    second: subprocess.Popen[bytes] | None = None
    try:
        state = _state(tmp_path, first)
        url = f"{state['gateway_url']}/webhooks/cloudevents"

        def post(body: bytes) -> int:
            headers = {"x-journeysync-signature": sign(SECRET, body, int(time.time()))}
            return requests.post(url, data=body, headers=headers, timeout=30).status_code

        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(post, _events())) == {200}  # every one acknowledged: archived and queued
        first.send_signal(signal.SIGKILL)  # the consumers are mid-way through those batches
        first.wait(timeout=10)
        sqs = boto3.client(
            "sqs", endpoint_url=moto.url, region_name=LOCAL_REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        events_queue = state["resources"]["EventsQueue"]["ref"]
        left = sqs.get_queue_attributes(QueueUrl=events_queue, AttributeNames=["All"])["Attributes"]
        pending = int(left["ApproximateNumberOfMessages"]) + int(left["ApproximateNumberOfMessagesNotVisible"])
        assert pending > 0, "the kill came after the work was done: nothing was left to recover"

        second = _dev(tmp_path, moto.url)
        state = _state(tmp_path, second)
        dlqs = list(state["dead_letter_queues"].values())
        queues = [
            r["ref"] for r in state["resources"].values() if r["type"] == "AWS::SQS::Queue" and r["ref"] not in dlqs
        ]
        _idle(sqs, queues, dlqs)

        ddb = boto3.client(
            "dynamodb",
            endpoint_url=moto.url,
            region_name=LOCAL_REGION,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        items = [
            i
            for page in ddb.get_paginator("scan").paginate(TableName=state["resources"]["Table"]["ref"])
            for i in page["Items"]
        ]
        from journeysync.store.profiles import ProfileStore

        store = ProfileStore(state["resources"]["Table"]["ref"], client=ddb)
        profiles = [
            json.loads(c.model_dump_json())
            for i in items if i["sk"]["S"] == "P" and (c := store.get(i["pk"]["S"].removeprefix("C#"))) is not None
        ]
        live = [p for p in profiles if not p["header"].get("merged_into")]
        assert sorted(p["identity"]["emails"][0] for p in live) == sorted(CUSTOMERS), "one profile per customer"
        timeline = [i["sk"]["S"] for i in items if i["sk"]["S"].startswith("T#")]
        assert len(timeline) == len(_events()) == len(set(timeline)), "every event on a timeline exactly once"
        for p in live:
            assert p["profile"]["membership"]["can_book_online"] is True
            assert len(p["profile"]["membership"]["terms"]) == 1
            assert p["profile"]["given_name"].startswith("Member")
        for dlq in dlqs:
            attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
            assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0", dlq
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
        moto.stop()
