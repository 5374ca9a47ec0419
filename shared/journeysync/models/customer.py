"""Customer: the rationalized record every system is synced from.

The timeline is not here: it is stored as separate items (DynamoDB caps an item at
400 KB). What is here is everything segments, alerts and destinations read, plus
the small ledgers the convergent fold needs (per-field event times, membership
and consent histories) so that applying events in any order gives one answer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

MembershipStatus = Literal["none", "active", "expired", "cancelled"]
ConsentStatus = Literal["unknown", "subscribed", "unsubscribed", "cleaned", "complained", "pending"]
Owner = Literal["organization", "member"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PlatformHeader(_Model):
    schema_version: int = SCHEMA_VERSION
    version: int = Field(default=0, ge=0, description="optimistic-locking counter; 0 = never stored")
    created_at: AwareDatetime = Field(default_factory=utcnow)
    updated_at: AwareDatetime = Field(default_factory=utcnow)
    merged_into: str | None = None
    forgotten: bool = False
    recent: list[str] = Field(default_factory=list, description="tags of the events the last write applied")


class Identity(_Model):
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    external: dict[str, str] = Field(default_factory=dict)

    @property
    def primary_email(self) -> str | None:
        return self.emails[0] if self.emails else None


class MembershipTerm(_Model):
    """One membership event as the fold remembers it (the fold re-derives validity from all terms)."""

    event_id: str
    kind: Literal["purchased", "renewed", "cancelled"]
    at: AwareDatetime
    tier: str | None = None
    term_months: int | None = None
    order_id: str | None = None
    refunded: bool = False


class Membership(_Model):
    tier: str | None = None
    status: MembershipStatus = "none"
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    can_book_online: bool = False
    terms: list[MembershipTerm] = Field(default_factory=list)


class ConsentRecord(_Model):
    status: ConsentStatus
    source: str
    at: AwareDatetime
    explicit: bool = True
    event_id: str | None = None


class EmailConsent(_Model):
    """Marketing consent; transactional mail does not read this. `ledger` keeps every signal."""

    status: ConsentStatus = "unknown"
    source: str | None = None
    at: AwareDatetime | None = None
    ledger: list[ConsentRecord] = Field(default_factory=list)


class Booking(_Model):
    event_ref: str
    order_id: str
    status: Literal["booked", "cancelled", "attended"] = "booked"
    at: AwareDatetime
    event_name: str | None = None
    event_date: date | None = None


class PurchaseSummary(_Model):
    order_id: str
    at: AwareDatetime
    amount: int = 0
    currency: str = "GBP"
    category: str = "unknown"
    title: str | None = None


class RatingSummary(_Model):
    response_id: str
    scale: str
    score: int
    sentiment: Literal["detractor", "passive", "promoter"] | None = None
    touchpoint: str = "general"
    location: str | None = None
    at: AwareDatetime
    comment: str | None = None
    source: str | None = None
    permalink: str | None = None


class Checkout(_Model):
    """One online checkout, joined from what is known of it: when it started (checkout.started) and when an
    order completed it (purchase.completed with its token) — either may arrive first. `abandoned_at` is
    started_at + the touchpoint's time once that passed with no order by then (derived, so it converges);
    an order after it leaves it set: a recovered checkout."""

    token: str
    touchpoint: str = "online-shop"
    started_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    abandoned_at: AwareDatetime | None = None
    recover_url: str | None = None

    @property
    def abandoned(self) -> bool:
        return self.abandoned_at is not None and self.completed_at is None

    @property
    def order_key(self) -> tuple[datetime, str]:
        """Newest-first order of checkouts (the fold's cap, the store's sort key): its start, else its order."""
        return (self.started_at or self.completed_at or datetime(1970, 1, 1, tzinfo=UTC), self.token)


class Profile(_Model):
    given_name: str | None = None
    family_name: str | None = None
    membership: Membership = Field(default_factory=Membership)
    email_consent: EmailConsent = Field(default_factory=EmailConsent)
    divisions: list[str] = Field(default_factory=list)
    bookings: list[Booking] = Field(default_factory=list)
    purchases: list[PurchaseSummary] = Field(default_factory=list, description="most recent first, capped")
    visits: int = 0
    last_visit_at: AwareDatetime | None = None
    ratings: list[RatingSummary] = Field(default_factory=list, description="most recent first, capped")
    last_survey: RatingSummary | None = None
    at_risk: bool = False
    vip: bool = False
    crm_owner: str | None = None
    checkouts: list[Checkout] = Field(default_factory=list, description="most recent first, capped")
    abandoned_checkout: bool = Field(default=False, description="a checkout was abandoned and no order followed")
    field_times: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="event time that last set each last-writer-wins field"
    )

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p) or "(no name)"


class StageVisit(_Model):
    stage: str
    entered_at: AwareDatetime
    left_at: AwareDatetime | None = None
    event_id: str | None = None


class JourneyPosition(_Model):
    journey: str
    stage: str
    entered_at: AwareDatetime
    owner: Owner = "member"
    sla_due_at: AwareDatetime | None = None
    history: list[StageVisit] = Field(default_factory=list)
    completed: bool = False


class Customer(_Model):
    customer_id: str = Field(min_length=1)
    header: PlatformHeader = Field(default_factory=PlatformHeader)
    identity: Identity = Field(default_factory=Identity)
    profile: Profile = Field(default_factory=Profile)
    journeys: dict[str, JourneyPosition] = Field(default_factory=dict)

    @property
    def is_tombstone(self) -> bool:
        return self.header.merged_into is not None
