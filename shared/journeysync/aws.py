"""boto3 clients, created lazily and once per process.

Endpoints come from boto3's own configuration (`AWS_ENDPOINT_URL`, profiles),
so the same code talks to AWS in the cloud and to the moto server locally.
Creating a client costs ~50 ms, so handlers create them on first use, not at import.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_CONFIG_KW: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 4},
    "connect_timeout": 3,
    "read_timeout": 10,
}


_lock = threading.Lock()


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    """A shared client for `service` with standard-mode retries and short timeouts.

    All clients come from one session: a session per client would load the endpoint rules and the
    service list again for each (~40 ms a client on a cold start). Creating clients from one session is
    not thread-safe, hence the lock (the local runtime runs handlers on threads).
    """
    from botocore.config import Config

    with _lock:
        return _session().client(service, config=Config(**_CONFIG_KW))


def reset_clients() -> None:
    """Forget cached clients and their session (tests that change endpoints or credentials call this)."""
    client.cache_clear()
    _session.cache_clear()
