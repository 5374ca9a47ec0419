"""Inbound vendor adapters: one module per vendor, each a `VendorAdapter` (verify + parse [+ enrich]).

`adapter_for(name)` is the registry the ingest pipeline uses; an unknown name is None (a 404).
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from journeysync.vendors.base import (
    EnrichContext,
    Enrichment,
    ParseContext,
    Parsed,
    SignatureError,
    VendorAdapter,
    WebhookRequest,
)

if TYPE_CHECKING:
    from journeysync.vendors.api import VendorApi

# vendor name in the URL → "module:Class"; modules import lazily so a cold start loads only one adapter
REGISTRY: dict[str, str] = {
    "cloudevents": "journeysync.vendors.cloudevents:CloudEventsAdapter",
    "square": "journeysync.vendors.square:SquareAdapter",
    "shopify": "journeysync.vendors.shopify:ShopifyAdapter",
    "eventbrite": "journeysync.vendors.eventbrite:EventbriteAdapter",
    "tickettailor": "journeysync.vendors.tickettailor:TicketTailorAdapter",
    "typeform": "journeysync.vendors.typeform:TypeformAdapter",
    "delighted": "journeysync.vendors.delighted:DelightedAdapter",
    "mailchimp": "journeysync.vendors.mailchimp:MailchimpAdapter",
}


@cache
def adapter_for(name: str) -> VendorAdapter | None:
    target = REGISTRY.get(name)
    if target is None:
        return None
    module, _, cls = target.partition(":")
    adapter: VendorAdapter = getattr(import_module(module), cls)()
    return adapter


def __getattr__(name: str) -> Any:
    """`VendorApi` on first use: importing the package loads no HTTP client (see journeysync.vendors.api)."""
    if name == "VendorApi":
        from journeysync.vendors.api import VendorApi

        return VendorApi
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REGISTRY",
    "EnrichContext",
    "Enrichment",
    "ParseContext",
    "Parsed",
    "SignatureError",
    "VendorAdapter",
    "VendorApi",
    "WebhookRequest",
    "adapter_for",
]
