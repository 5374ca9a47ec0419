"""AWS API calls by function, service and operation, as the local runtime's workers report them.

Every worker counts its botocore calls per invocation (`Invocation.aws_calls`), so a count is
exact per function even while functions run concurrently in their own processes. Benchmarks
that call a handler or the layer in this process count with `counting_aws_calls` instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from botocore.client import BaseClient
from journeysync_local.functions import Invocation

Calls = Counter[tuple[str, str, str]]  # (function logical id, service, operation) → calls


def calls_by_function(invocations: Iterable[Invocation]) -> Calls:
    calls: Calls = Counter()
    for inv in invocations:
        for key, n in inv.aws_calls.items():
            service, _, operation = key.partition(":")
            calls[(inv.function, service, operation)] += n
    return calls


@contextlib.contextmanager
def counting_aws_calls() -> Iterator[Calls]:
    """Every botocore call this process makes while open (patching `BaseClient._make_api_call`)."""
    calls: Calls = Counter()
    lock = threading.Lock()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private botocore hook, typed as Any

    def counted(client: Any, operation: str, params: Any) -> Any:
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "-").rsplit("-", 1)[-1]
        with lock:
            calls[(function, client.meta.service_model.service_name, operation)] += 1
        return original(client, operation, params)

    setattr(BaseClient, "_make_api_call", counted)  # noqa: B010
    try:
        yield calls
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010
