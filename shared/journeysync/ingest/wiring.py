"""Build the ingest hop's dependencies from its environment, once per Lambda sandbox.

Everything here is lazy and cached (`lru_cache`, once per worker process): a cold start pays
for boto3 clients only when the first webhook arrives, not at import.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from journeysync.ingest.pipeline import IngestDeps
from journeysync.ingest.settings import IngestSettings, get_ingest_settings

if TYPE_CHECKING:
    from journeysync.vendors.api import VendorApi

# vendor → Secrets Manager name (under the secrets prefix) of the API token its enrichment calls need
API_TOKEN_SECRETS = {"square": "square_api", "eventbrite": "eventbrite_api", "shopify": "shopify_api"}


def api_factory(
    settings: IngestSettings, secret: Callable[[str], str | None]
) -> Callable[[str, bool], VendorApi | None]:
    def make(vendor: str, inline: bool) -> VendorApi | None:
        name = API_TOKEN_SECRETS.get(vendor)
        base = settings.api_base_urls().get(vendor)
        token = secret(name) if name and base else None
        if not token or not base:
            return None
        from journeysync.vendors.api import VendorApi  # only a webhook that needs a lookup loads the client

        headers = {"Square-Version": settings.square_api_version} if vendor == "square" else {}
        token_header = "X-Shopify-Access-Token" if vendor == "shopify" else None
        if inline:
            timeout = (1.0, settings.inline_enrichment_timeout)
            api = VendorApi(vendor, base, token, headers, token_header=token_header, timeout=timeout)
            api.max_attempts = 1  # the queue retries; the vendor's reply deadline does not wait
            return api
        return VendorApi(vendor, base, token, headers, token_header=token_header)

    return make


@lru_cache(maxsize=1)
def default_deps() -> IngestDeps:
    return build_ingest_deps(get_ingest_settings())


def build_ingest_deps(settings: IngestSettings) -> IngestDeps:
    """The ingest path's stores and connectors for `settings` (reconcile's backfill reuses it)."""
    from journeysync.aws import client
    from journeysync.config.files import cached_catalogue
    from journeysync.secrets import get_secret

    return IngestDeps(
        settings=settings,
        secret=get_secret,
        catalogue=cached_catalogue(str(settings.config_dir) if settings.config_dir else None),
        s3=client("s3"),
        sqs=client("sqs"),
        api=api_factory(settings, get_secret),
    )
