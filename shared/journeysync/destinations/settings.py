"""crm_to_email's own settings (environment) and the one place its Syncer is assembled."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from journeysync.config.loader import AppConfig
from journeysync.settings import Settings


class CrmToEmailSettings(Settings):
    """`JOURNEYSYNC_*` variables the template gives the crm_to_email functions."""

    ses_contact_list: str = Field(default="", description="physical contact list name (!Ref ContactList)")
    ses_rate_per_second: float | None = Field(default=None, gt=0, description="overrides segments.yaml")
    mailchimp_base_url: str = Field(default="", description="overrides https://<dc>.api.mailchimp.com/3.0")
    mailchimp_api_key: str = Field(default="", description="for local runs; in AWS the key is a secret")
    crm_to_email_dlq_url: str = Field(default="", description="where fatal records go, with their reason")
    full_sync_page_size: int = Field(default=500, ge=1, le=1000)
    full_sync_min_interval_hours: float = 20.0


def build_syncer(settings: CrmToEmailSettings, config: AppConfig, ddb: Any | None = None) -> Any:
    """The Syncer for the enabled destinations (SES, Mailchimp) with their rate limiters."""
    from journeysync.connectors.ratelimit import TokenBucket
    from journeysync.destinations.base import Destination
    from journeysync.destinations.ses import SesDestination
    from journeysync.destinations.state import SyncStateStore
    from journeysync.destinations.sync import Syncer
    from journeysync.errors import ConfigError
    from journeysync.segments.engine import SegmentEngine

    engine = SegmentEngine(config.segments)
    dests = config.segments.destinations
    destinations: list[Destination] = []
    if dests.ses.enabled:
        # SES's 1 call/s is an AWS account limit; the local moto stand-in has none (stage "local")
        rate = settings.ses_rate_per_second or (None if settings.stage == "local" else dests.ses.rate_per_second)
        destinations.append(
            SesDestination(
                settings.ses_contact_list or dests.ses.contact_list,
                engine.all_audiences("ses"),
                limiter=TokenBucket(rate, burst=max(1, int(rate))) if rate else None,
            )
        )
    if dests.mailchimp.enabled:
        from journeysync.destinations.mailchimp import MailchimpClient, MailchimpDestination, base_url_for

        key = settings.mailchimp_api_key
        if not key:
            from journeysync.secrets import get_secret

            key = get_secret(dests.mailchimp.api_key_secret) or ""
        if not key:
            raise ConfigError("secrets", dests.mailchimp.api_key_secret, "Mailchimp is enabled but has no API key")
        base = settings.mailchimp_base_url or base_url_for(key, dests.mailchimp.server_prefix)
        client = MailchimpClient(
            base,
            key,
            concurrency=dests.mailchimp.concurrency,
            limiter=TokenBucket(dests.mailchimp.rate_per_second, burst=dests.mailchimp.concurrency),
        )
        assert dests.mailchimp.list_id is not None
        destinations.append(
            MailchimpDestination(client, dests.mailchimp.list_id, concurrency=dests.mailchimp.concurrency)
        )
    return Syncer(engine, destinations, SyncStateStore(settings.table_name, ddb))
