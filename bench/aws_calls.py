"""AWS API calls by function, service and operation, as the local runtime's workers report them.

Every worker counts its botocore calls per invocation (`Invocation.aws_calls`), so a count is
exact per function even while functions run concurrently in their own processes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from journeysync_local.functions import Invocation

Calls = Counter[tuple[str, str, str]]  # (function logical id, service, operation) → calls


def calls_by_function(invocations: Iterable[Invocation]) -> Calls:
    calls: Calls = Counter()
    for inv in invocations:
        for key, n in inv.aws_calls.items():
            service, _, operation = key.partition(":")
            calls[(inv.function, service, operation)] += n
    return calls
