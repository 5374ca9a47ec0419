"""The profile hops' wiring (pos_to_crm, the journey sweep, crm_push): their dependencies, built once per sandbox.

Lazy and cached: a cold start pays for clients and config on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from journeysync.profile.process import Deps


@cache
def deps() -> Deps:
    """Built once per sandbox, on first use (settings, clients, config)."""
    from journeysync.aws import client
    from journeysync.config.loader import cached_config
    from journeysync.profile.due import next_due
    from journeysync.profile.process import Deps
    from journeysync.profile.publish import Publisher
    from journeysync.profile.settings import pos_to_crm_settings
    from journeysync.store.profiles import ProfileStore

    settings = pos_to_crm_settings()
    config = cached_config(str(settings.config_dir) if settings.config_dir else None)
    return Deps(
        store=ProfileStore(settings.table_name, client("dynamodb"), lambda c, after: next_due(c, config, after)),
        config=config,
        publisher=Publisher(settings.bus_name, client("events")),
        dlq_url=settings.events_dlq_url or None,
        archive_bucket=settings.archive_bucket,
    )


@cache
def hubspot() -> Any:
    """crm_push's HubSpot connector when `JOURNEYSYNC_CRM_PUSH_TARGET=hubspot`, else None (built-in CRM)."""
    from journeysync.profile.settings import crm_push_settings

    settings = crm_push_settings()
    if settings.crm_push_target != "hubspot":
        return None
    from journeysync.connectors.hubspot import HubSpotConnector
    from journeysync.errors import RetriableError
    from journeysync.secrets import get_secret

    token = get_secret(settings.hubspot_secret)
    if not token:
        raise RetriableError(f"the HubSpot token secret {settings.hubspot_secret!r} is missing or empty")
    return HubSpotConnector(token, settings.hubspot_base_url, settings.hubspot_requests_per_10s)
