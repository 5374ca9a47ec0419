"""What the ingest hop reads from its environment (the template sets it; the dev stack rewrites URLs)."""

from __future__ import annotations

from functools import lru_cache

from journeysync.settings import Settings

MAX_BODY_BYTES = 256 * 1024


class IngestSettings(Settings):
    enrichment_queue_url: str = ""
    enrichment_dlq_url: str = ""
    max_body_bytes: int = MAX_BODY_BYTES
    # Square signs notification_url + body; behind a custom domain the URL the vendor calls is not the
    # one API Gateway sees, so it is configured (empty = rebuilt from the request's host and path).
    square_notification_url: str = ""
    square_api_url: str = "https://connect.squareup.com"
    square_api_version: str = "2025-10-16"
    eventbrite_api_url: str = "https://www.eventbriteapi.com/v3"
    # the shop's own Admin API, e.g. https://riverside.myshopify.com/admin/api/2025-10 (empty: no enrichment)
    shopify_api_url: str = ""
    # inline enrichment must leave room inside the vendors' reply deadline (Shopify 5 s, Square 10 s)
    inline_enrichment_timeout: float = 2.5

    def api_base_urls(self) -> dict[str, str]:
        """vendor → the API base its enrichment calls (and the only place an `api_url` may point)."""
        bases = {"square": self.square_api_url, "eventbrite": self.eventbrite_api_url, "shopify": self.shopify_api_url}
        return {vendor: url for vendor, url in bases.items() if url}


@lru_cache(maxsize=1)
def get_ingest_settings() -> IngestSettings:
    return IngestSettings()
