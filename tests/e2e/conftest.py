"""The local stack as a pytest fixture: the template's topology on the session moto server.

`local_stack` runs the repository's template.yaml; `start_local_stack(template=..., **options)`
starts any other template (a fixture template, or a modified copy) and stops it after the
test. Each stack gets a unique namespace, so several stacks share one moto server safely.
Startup is a few hundred milliseconds: resources are created with direct API calls, and a
function's worker process starts only when it is first invoked (forked from a fork server
that has imported the shared libraries once per test process).

    def test_webhook_reaches_the_profile(local_stack):
        requests.post(f"{local_stack.url}/webhooks/cloudevents", ...)
        local_stack.wait_idle(timeout=10)
        local_stack.resources["Table"]            # physical names (Ref values)
        local_stack.invoke("PosToCrmFunction", event)
        local_stack.fire_schedule("ReconcileFunction")
        local_stack.logs                          # captured handler log lines
        local_stack.env["PosToCrmFunction"]       # the environment that handler gets
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from journeysync_local.moto_server import MotoEndpoint
from journeysync_local.stack import LocalStack

from tests.e2e.cli_support import cli_stack as cli_stack  # a fixture the CLI tests share
from tests.e2e.fixtures import FIXTURE_TEMPLATE, StartStack


@pytest.fixture
def start_local_stack(moto_endpoint: MotoEndpoint) -> Iterator[StartStack]:
    """A factory: `start_local_stack(template=path, speed=…, visibility_scale=…, secrets=…)`."""
    stacks: list[LocalStack] = []

    def start(template: Path | str | None = None, **options: Any) -> LocalStack:
        options.setdefault("namespace", uuid.uuid4().hex[:8])
        stack = LocalStack(template, moto_url=moto_endpoint.url, **options)
        stacks.append(stack)
        return stack.start()

    yield start
    for stack in reversed(stacks):
        stack.stop()


@pytest.fixture
def local_stack(start_local_stack: StartStack) -> LocalStack:
    """The repository's template.yaml running locally (gateway URL: `local_stack.url`)."""
    return start_local_stack()


@pytest.fixture
def fixture_stack(start_local_stack: StartStack) -> LocalStack:
    """The tiny fixture topology in tests/e2e/fixtures/template.yaml."""
    return start_local_stack(FIXTURE_TEMPLATE)
