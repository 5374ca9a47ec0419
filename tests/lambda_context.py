"""The context object Lambda hands a Python handler, for tests that call a handler (or a hop) directly."""

from __future__ import annotations

from types import SimpleNamespace


def lambda_context(name: str, remaining_ms: int = 60_000, memory_mb: int = 512) -> SimpleNamespace:
    """What Powertools' `inject_lambda_context` and the hops read: names, memory, request id, time left."""
    return SimpleNamespace(
        function_name=name,
        memory_limit_in_mb=memory_mb,
        invoked_function_arn=f"arn:aws:lambda:eu-west-2:123456789012:function:{name}",
        aws_request_id="req-1",
        get_remaining_time_in_millis=lambda: remaining_ms,
    )
