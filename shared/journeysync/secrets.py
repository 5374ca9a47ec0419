"""Vendor secrets from Secrets Manager through Powertools Parameters (cached for 5 minutes).

Secrets are named `<prefix><name>` (default prefix `journeysync/`). A missing
secret returns None so endpoints can fail closed (503) instead of accepting
unsigned input. Locally the dev stack creates these secrets in the moto server.
"""

from __future__ import annotations

CACHE_SECONDS = 300


def get_secret(name: str, prefix: str | None = None) -> str | None:
    """The secret string, or None when it does not exist (or is empty)."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    from journeysync.settings import get_settings

    full = f"{prefix if prefix is not None else get_settings().secrets_prefix}{name}"
    try:
        value = parameters.get_secret(full, max_age=CACHE_SECONDS)
    except GetParameterError:
        return None
    if isinstance(value, bytes):
        value = value.decode()
    return str(value) if value else None


def clear_cache() -> None:
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
