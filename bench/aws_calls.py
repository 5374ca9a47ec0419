"""Count every AWS API call the process makes, by function, service and operation (botocore, all clients).

Patching `BaseClient._make_api_call` sees clients created before the count started too
(handlers cache theirs), and the moto server answering them makes no client calls itself.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

from botocore.client import BaseClient

Calls = Counter[tuple[str, str, str]]  # (function logical id or "-", service, operation) → calls


@contextlib.contextmanager
def counting_aws_calls() -> Iterator[Calls]:
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
