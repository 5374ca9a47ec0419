"""A moto server on loopback, reached by boto3 over HTTP exactly as AWS is.

Used by `journeysync dev`, the demo and the test suite; `point_boto3_at` sets the
standard environment variables so every client (ours and Powertools') uses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

LOCAL_REGION = "eu-west-2"
LOCAL_ACCOUNT = "123456789012"


@dataclass
class MotoEndpoint:
    url: str
    server: Any

    def reset(self) -> None:
        """Drop every resource in the server (moto's reset API)."""
        import requests

        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.server.stop()


def start_moto(host: str = "127.0.0.1", port: int = 0) -> MotoEndpoint:
    """Start a threaded moto server on a free loopback port."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per AWS call drowns handler logs
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return MotoEndpoint(url=f"http://{bound_host}:{bound_port}", server=server)


def point_boto3_at(url: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Set the standard AWS variables so boto3 talks to `url` with throwaway credentials."""
    env = os.environ if environ is None else environ
    values = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "MOTO_ALLOW_NONEXISTENT_REGION": "true",
    }
    env.update(values)
    return values
