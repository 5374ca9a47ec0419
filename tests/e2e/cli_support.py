"""Running the `journeysync` CLI (typer's CliRunner) against a local stack through its state file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from journeysync_local.stack import LocalStack
from typer.testing import CliRunner

from tests.e2e.fixtures import StartStack


@pytest.fixture
def cli_stack(start_local_stack: StartStack, tmp_path: Path) -> Iterator[LocalStack]:
    """The repository's template running locally, with a state file the CLI finds (JOURNEYSYNC_STATE_FILE)."""
    saved = dict(os.environ)
    state = tmp_path / "stack.json"
    os.environ["JOURNEYSYNC_STATE_FILE"] = str(state)
    try:
        yield start_local_stack(state_file=state)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from journeysync.aws import reset_clients
        from journeysync.settings import get_settings

        reset_clients()
        get_settings.cache_clear()


def cli(*args: str, input: str | None = None) -> Any:
    """Run `journeysync ARGS`; the parsed JSON when `--json` is among them (exit code 0 asserted)."""
    from journeysync_cli.main import app

    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.output


_FIRST_SENT: dict[str, str] = {}


def post_cloudevent(stack: LocalStack, event_id: str, kind: str, email: str, data: dict[str, Any]) -> None:
    """A signed in-house CloudEvent from the tills; a second post of the same id is a byte-identical redelivery."""
    at = _FIRST_SENT.setdefault(event_id, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    body = json.dumps({"specversion": "1.0", "id": event_id, "source": "tills", "type": kind, "time": at,
                       "identity": {"emails": [email]}, "data": data}).encode()
    assert stack.post_webhook("cloudevents", body, timeout=20).status_code in (200, 202)
    stack.wait_idle(timeout=30)
