"""The pydantic vocabulary shared by every hop: canonical events and the rationalized customer.

Names resolve on first use (PEP 562): a hop that only reads events (webhook ingest) never builds the
customer models, which is a noticeable part of a cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysync.models.customer import (
        Booking,
        ConsentRecord,
        ConsentStatus,
        Customer,
        EmailConsent,
        Identity,
        JourneyPosition,
        Membership,
        MembershipStatus,
        PlatformHeader,
        Profile,
        PurchaseSummary,
        RatingSummary,
        StageVisit,
    )
    from journeysync.models.events import (
        EVENT_TYPES,
        CheckoutStarted,
        ConsentChanged,
        CustomerEvent,
        CustomerForgotten,
        CustomerUpdated,
        EventData,
        IdentityKeys,
        LineItem,
        MembershipCancelled,
        MembershipPurchased,
        MembershipRenewed,
        Money,
        PurchaseCompleted,
        SurveyResponded,
        TicketBooked,
        TicketCancelled,
        TicketCheckedIn,
        stable_event_id,
    )
    from journeysync.models.validation import first_error_field, parse_model

_WHERE = {
    "Booking": "journeysync.models.customer",
    "CheckoutStarted": "journeysync.models.events",
    "ConsentChanged": "journeysync.models.events",
    "ConsentRecord": "journeysync.models.customer",
    "ConsentStatus": "journeysync.models.customer",
    "Customer": "journeysync.models.customer",
    "CustomerEvent": "journeysync.models.events",
    "CustomerForgotten": "journeysync.models.events",
    "CustomerUpdated": "journeysync.models.events",
    "EVENT_TYPES": "journeysync.models.events",
    "EmailConsent": "journeysync.models.customer",
    "EventData": "journeysync.models.events",
    "Identity": "journeysync.models.customer",
    "IdentityKeys": "journeysync.models.events",
    "JourneyPosition": "journeysync.models.customer",
    "LineItem": "journeysync.models.events",
    "Membership": "journeysync.models.customer",
    "MembershipCancelled": "journeysync.models.events",
    "MembershipPurchased": "journeysync.models.events",
    "MembershipRenewed": "journeysync.models.events",
    "MembershipStatus": "journeysync.models.customer",
    "Money": "journeysync.models.events",
    "PlatformHeader": "journeysync.models.customer",
    "Profile": "journeysync.models.customer",
    "PurchaseCompleted": "journeysync.models.events",
    "PurchaseSummary": "journeysync.models.customer",
    "RatingSummary": "journeysync.models.customer",
    "StageVisit": "journeysync.models.customer",
    "SurveyResponded": "journeysync.models.events",
    "TicketBooked": "journeysync.models.events",
    "TicketCancelled": "journeysync.models.events",
    "TicketCheckedIn": "journeysync.models.events",
    "first_error_field": "journeysync.models.validation",
    "parse_model": "journeysync.models.validation",
    "stable_event_id": "journeysync.models.events",
}

__all__ = [
    "EVENT_TYPES",
    "Booking",
    "CheckoutStarted",
    "ConsentChanged",
    "ConsentRecord",
    "ConsentStatus",
    "Customer",
    "CustomerEvent",
    "CustomerForgotten",
    "CustomerUpdated",
    "EmailConsent",
    "EventData",
    "Identity",
    "IdentityKeys",
    "JourneyPosition",
    "LineItem",
    "Membership",
    "MembershipCancelled",
    "MembershipPurchased",
    "MembershipRenewed",
    "MembershipStatus",
    "Money",
    "PlatformHeader",
    "Profile",
    "PurchaseCompleted",
    "PurchaseSummary",
    "RatingSummary",
    "StageVisit",
    "SurveyResponded",
    "TicketBooked",
    "TicketCancelled",
    "TicketCheckedIn",
    "first_error_field",
    "parse_model",
    "stable_event_id",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
