"""What the engagement handlers build once per sandbox, lazily."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from journeysync.engagement.settings import EngagementSettings


@cache
def settings() -> EngagementSettings:
    return EngagementSettings()


@cache
def config() -> Any:
    from journeysync.config.loader import cached_config

    s = settings()
    return cached_config(str(s.config_dir) if s.config_dir else None)


@cache
def engagement_store() -> Any:
    from journeysync.engagement.store import EngagementStore

    return EngagementStore(settings().table_name)


@cache
def profile_store() -> Any:
    from journeysync.store.profiles import ProfileStore

    return ProfileStore(settings().table_name)


def send_events(events: Sequence[Any]) -> Any:
    from journeysync.queueing import send_events as send

    return send(settings().events_queue_url, events)


def mailchimp_client() -> tuple[Any, str] | None:
    """The Reports API client and the audience id, or None when Mailchimp is not enabled."""
    from journeysync.connectors.ratelimit import TokenBucket
    from journeysync.destinations.mailchimp import MailchimpClient, base_url_for
    from journeysync.errors import ConfigError

    mc = config().segments.destinations.mailchimp
    if not mc.enabled:
        return None
    s = settings()
    key = s.mailchimp_api_key
    if not key:
        from journeysync.secrets import get_secret

        key = get_secret(mc.api_key_secret) or ""
    if not key:
        raise ConfigError("secrets", mc.api_key_secret, "Mailchimp is enabled but has no API key")
    base = s.mailchimp_base_url or base_url_for(key, mc.server_prefix)
    client = MailchimpClient(base, key, concurrency=mc.concurrency, limiter=TokenBucket(mc.rate_per_second, burst=2))
    return client, str(mc.list_id)
