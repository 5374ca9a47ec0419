"""boto3 clients, created lazily and once per process.

Endpoints come from boto3's own configuration (`AWS_ENDPOINT_URL`, profiles),
so the same code talks to AWS in the cloud and to the moto server locally.
Creating a client costs ~50 ms, so handlers create them on first use, not at import.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_CONFIG_KW: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 4},
    "connect_timeout": 3,
    "read_timeout": 10,
}


@cache
def client(service: str) -> Any:
    """A shared client for `service` with standard-mode retries and short timeouts."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(service, config=Config(**_CONFIG_KW))  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests that change endpoints or credentials call this)."""
    client.cache_clear()
