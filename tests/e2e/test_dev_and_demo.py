"""`journeysync dev` serves webhooks a plain HTTP client can post, `journeysync invoke` reaches it from
another process, and `journeysync demo` plays a day with nothing lost and nothing dead-lettered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from journeysync.vendors.cloudevents import sign
from journeysync_cli.main import app

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """CLI commands point the process at the stack they find (as a shell would); undo it for the next test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    from journeysync.aws import reset_clients

    reset_clients()


def _wait_for_state(path: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"journeysync dev exited: {process.stdout.read().decode() if process.stdout else ''}")
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.2)
    raise AssertionError("journeysync dev did not write its state file")


@pytest.mark.timeout(300)
def test_dev_serves_signed_webhooks_to_a_plain_client_and_invoke_reaches_it(tmp_path: Path) -> None:
    state_file = tmp_path / ".journeysync" / "stack.json"
    env = {**os.environ, "JOURNEYSYNC_STATE_FILE": str(state_file), "JOURNEYSYNC_CLOUDEVENTS_SECRET": "s3cret"}
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(key, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "journeysync_cli.main", "dev", "--port", "0", "--quiet"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        state = _wait_for_state(state_file, process)
        assert oct(state_file.stat().st_mode & 0o777) == "0o600"
        body = json.dumps(
            {
                "specversion": "1.0",
                "id": "dev-1",
                "source": "tills",
                "type": "membership.purchased",
                "time": "2026-11-30T10:00:00Z",
                "identity": {"emails": ["dev@example.com"]},
                "data": {"tier": "individual", "term_months": 12},
            }
        ).encode()
        headers = {"x-journeysync-signature": sign("s3cret", body, int(time.time()))}
        resp = requests.post(state["webhook_urls"]["cloudevents"], data=body, headers=headers, timeout=20)
        assert resp.status_code == 200, resp.text
        assert len(resp.json()["accepted"]) == 1

        runner = CliRunner()
        result = runner.invoke(
            app,
            [
                "invoke",
                "WebhookIngestFunction",
                "--json",
                "--event",
                json.dumps(
                    {
                        "rawPath": "/webhooks/nosuch",
                        "pathParameters": {"vendor": "nosuch"},
                        "headers": {},
                        "body": "",
                        "requestContext": {"http": {"method": "POST"}},
                    }
                ),
            ],
            env={"JOURNEYSYNC_STATE_FILE": str(state_file)},
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["result"]["statusCode"] == 404
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert not state_file.exists(), "the state file is removed when the stack stops"


@pytest.mark.timeout(300)
def test_demo_plays_a_day_with_nothing_lost(tmp_path: Path) -> None:
    report = tmp_path / "demo.html"
    result = CliRunner().invoke(app, ["demo", "--members", "25", "--seed", "3", "--json", "--report", str(report)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])
    assert summary["lost"] == 0 and sum(summary["dead_lettered"].values()) == 0
    assert summary["webhooks"]["rejected"] >= 4  # the forgeries
    assert summary["profiles"] > 0 and summary["can_book_online"] > 0
    assert summary["events_accepted"] > summary["members"]
    assert summary["surveys_sent"] > 0 and 0 < summary["survey_ratings_received"] <= summary["surveys_sent"]
    # every member who joins gets a stage action, also one who moves on within the batch that joined them
    # (created closed), so the count does not depend on how the day's deliveries were shuffled into batches
    assert sum(summary["work_items"]["low_rating"].values()) > 0
    assert sum(summary["work_items"]["stage_action"].values()) >= summary["owned_stage_entries"] > 0
    assert summary["work_items"]["abandoned"] == {"open": 1, "closed": 1}  # two checkouts left, one recovered
    assert "A day at the Riverside Museum" in report.read_text()
    # the week of campaigns came back as engagement: a real hour-of-week histogram and overlap-vs-sends table
    journey = json.loads(report.with_name("journey-report.json").read_text())["engagement"]
    assert sum(journey["hour_of_week"]) > 0 and journey["members_with_engagement"] > 0
    assert journey["overlap_vs_sends"] and all(r["sends_7d_max"] <= journey["cap"] for r in journey["overlap_vs_sends"])
    html = report.with_name("journey-report.html").read_text()
    assert "Engagement by hour of week" in html and "Division overlap vs actual sends" in html
