"""Which journeysync adapter or connector integrates a system of the inventory.

Ids name where the code is: `webhook:<vendor>` is an inbound adapter in
`journeysync.vendors.REGISTRY`; `email:<name>` a destination in `journeysync.destinations`;
`crm:<name>` the CRM push (`crm:builtin` is the profile table itself).
"""

from __future__ import annotations

import re

from journeysync.inventory.model import System

CONNECTORS: dict[str, str] = {
    "webhook:square": "journeysync.vendors.square (Square POS webhooks)",
    "webhook:shopify": "journeysync.vendors.shopify (Shopify order webhooks)",
    "webhook:eventbrite": "journeysync.vendors.eventbrite (Eventbrite webhooks + API fetch)",
    "webhook:tickettailor": "journeysync.vendors.tickettailor (Ticket Tailor webhooks)",
    "webhook:typeform": "journeysync.vendors.typeform (Typeform responses)",
    "webhook:delighted": "journeysync.vendors.delighted (Delighted NPS/CSAT)",
    "webhook:mailchimp": "journeysync.vendors.mailchimp (Mailchimp unsubscribe/cleaned webhooks)",
    "webhook:cloudevents": "journeysync.vendors.cloudevents (any system that can post signed CloudEvents)",
    "email:ses": "journeysync.destinations.ses (Amazon SES v2 contact list)",
    "email:mailchimp": "journeysync.destinations.mailchimp (Mailchimp Marketing v3 audience)",
    "crm:hubspot": "journeysync.connectors.hubspot (HubSpot CRM v3, crm_push)",
    "crm:builtin": "journeysync.store (the built-in CRM: the profile table)",
}

# product keyword (a whole word of `product`, else of `name`) → connector ids, in the order shown
_PRODUCTS: dict[str, tuple[str, ...]] = {
    "square": ("webhook:square",),
    "shopify": ("webhook:shopify",),
    "eventbrite": ("webhook:eventbrite",),
    "tickettailor": ("webhook:tickettailor",),
    "ticket tailor": ("webhook:tickettailor",),
    "typeform": ("webhook:typeform",),
    "delighted": ("webhook:delighted",),
    "mailchimp": ("email:mailchimp", "webhook:mailchimp"),
    "ses": ("email:ses",),
    "amazon ses": ("email:ses",),
    "hubspot": ("crm:hubspot",),
    "journeysync": ("crm:builtin",),
    "cloudevents": ("webhook:cloudevents",),
}


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def connector_for(system: System) -> str | None:
    """The connector id(s) for `system` ('+'-joined when one product is integrated both ways), or None."""
    if system.connector is not None:
        return None if system.connector == "none" else system.connector
    for text in (system.product, system.name):
        if not text:
            continue
        words = _words(text)
        for keyword, ids in _PRODUCTS.items():
            if f" {keyword} " in words:
                return "+".join(ids)
        if system.product:
            # a named product journeysync has no adapter for: do not guess from the system's name
            break
    return None
