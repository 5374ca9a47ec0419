"""Vendor secrets from Secrets Manager through Powertools Parameters (cached for 5 minutes).

Secrets are named `<prefix><name>` (default prefix `journeysync/`). A missing
secret returns None so endpoints can fail closed (a 401, as for a bad signature) instead of accepting
unsigned input. Locally the dev stack creates these secrets in the moto server.

The provider is built on the layer's own cached client rather than Powertools' module-level
default, so it follows the endpoint of the sandbox it runs in (the local runtime gives every
function, and every stack, its own caches).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

CACHE_SECONDS = 300


@lru_cache(maxsize=4)
def _provider(secretsmanager: Any) -> Any:
    """One provider (and so one 5-minute cache) per client: a new endpoint gets a fresh cache."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=secretsmanager)


def get_secret(name: str, prefix: str | None = None) -> str | None:
    """The secret string, or None when it does not exist, is empty or is only whitespace (not configured)."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    from journeysync.aws import client
    from journeysync.settings import get_settings

    full = f"{prefix if prefix is not None else get_settings().secrets_prefix}{name}"
    try:
        value = _provider(client("secretsmanager")).get(full, max_age=CACHE_SECONDS)
    except GetParameterError:
        return None
    if isinstance(value, bytes):
        value = value.decode()
    text = str(value) if value is not None else ""
    return text if text.strip() else None


def clear_cache() -> None:
    from aws_lambda_powertools.utilities import parameters

    _provider.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
