"""CustomerEvent: the canonical, CloudEvents 1.0-shaped envelope every inbound adapter produces.

The `id` is derived from the vendor and the vendor's own event id, so a redelivered
webhook yields the same id and dedupes everywhere downstream (FIFO dedup id,
timeline sort key, fact keys).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from journeysync.identity import DEFAULT_TRUST, IdentityKey, TrustLevel, normalise_email, normalise_phone
from journeysync.models.limits import MAX_KEYS_PER_KIND, MAX_LIST_ITEMS, Comment, Label, Ref, Url

_ID_NAMESPACE = uuid.UUID("6f1d7f6e-3c1b-4f55-9d1e-6a0c2b9e8a11")


def stable_event_id(source: str, vendor_event_id: str, part: str | int = "") -> str:
    """A deterministic id for the `part`-th canonical event derived from one vendor event."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{source}|{vendor_event_id}|{part}"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(_Strict):
    """An amount in minor units (pence, cents) so no float ever touches money."""

    amount: int
    currency: str = Field(min_length=3, max_length=3)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


def _items(value: Any) -> tuple[Any, ...]:
    # hostile input must fail as a validation error naming the field, never as a crash
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError("must be a list of strings")
    if len(value) > MAX_KEYS_PER_KIND:
        raise ValueError(f"more than {MAX_KEYS_PER_KIND} keys of one kind")
    return tuple(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a list of strings")
    return value


class IdentityKeys(_Strict):
    """The identity keys an event carries, already normalised, each with its provenance.

    `trust` maps a key (`str(IdentityKey)`, e.g. `email:ann@example.com`) to how far it may be
    trusted; a key it does not name is `DEFAULT_TRUST`. Adapters name every key they produce.
    """

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    external: dict[Ref, Ref] = Field(default_factory=dict, max_length=MAX_KEYS_PER_KIND)
    trust: dict[str, TrustLevel] = Field(default_factory=dict)

    @field_validator("emails", mode="before")
    @classmethod
    def _emails(cls, value: Any) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalise_email(_text(v)) for v in _items(value) if v))

    @field_validator("phones", mode="before")
    @classmethod
    def _phones(cls, value: Any) -> tuple[str, ...]:
        # Already-E.164 numbers parse region-free; anything else must be normalised by the adapter
        # (which knows the default region) before it gets here.
        return tuple(dict.fromkeys(normalise_phone(_text(v)) for v in _items(value) if v))

    def keys(self) -> list[IdentityKey]:
        """All keys, best first (email, phone, vendor ids)."""
        found = [IdentityKey("email", e) for e in self.emails]
        found += [IdentityKey("phone", p) for p in self.phones]
        found += [IdentityKey("ext", v, s) for s, v in sorted(self.external.items())]
        return found

    def best(self) -> IdentityKey | None:
        keys = self.keys()
        return keys[0] if keys else None

    def level(self, key: IdentityKey) -> TrustLevel:
        """How far `key` may be trusted (its provenance)."""
        return self.trust.get(str(key), DEFAULT_TRUST)

    def union(self, other: IdentityKeys) -> IdentityKeys:
        """Both key sets; a key present in both keeps the more trusted level."""
        from journeysync.identity import TRUST_LEVELS

        trust = dict(self.trust)
        own, named = set(self.keys()), other.keys()
        for key in named:
            mine = self.level(key) if key in own else None
            theirs = other.level(key)
            if mine is None or TRUST_LEVELS.index(theirs) < TRUST_LEVELS.index(mine):
                trust[str(key)] = theirs
        for key in own:
            trust.setdefault(str(key), self.level(key))
        return IdentityKeys(
            emails=(*self.emails, *other.emails),
            phones=(*self.phones, *other.phones),
            external={**other.external, **self.external},
            trust=trust,
        )

    def only(self, keep: set[IdentityKey]) -> IdentityKeys:
        """The subset of keys in `keep` (with their levels)."""
        return IdentityKeys(
            emails=tuple(e for e in self.emails if IdentityKey("email", e) in keep),
            phones=tuple(p for p in self.phones if IdentityKey("phone", p) in keep),
            external={s: v for s, v in self.external.items() if IdentityKey("ext", v, s) in keep},
            trust={k: v for k, v in self.trust.items() if any(str(x) == k for x in keep)},
        )

    @property
    def is_empty(self) -> bool:
        return not (self.emails or self.phones or self.external)


class _Data(_Strict):
    kind: str


class _MembershipData(_Data):
    tier: Label = Field(min_length=1)
    term_months: int = Field(gt=0, le=120)
    amount: Money | None = None
    order_id: Ref | None = None
    product_ref: Ref | None = None
    channel: Literal["pos", "online", "phone", "other"] = "other"
    location: Label | None = None
    division: Label | None = None


class MembershipPurchased(_MembershipData):
    kind: Literal["membership.purchased"] = "membership.purchased"


class MembershipRenewed(_MembershipData):
    kind: Literal["membership.renewed"] = "membership.renewed"


class MembershipCancelled(_Data):
    kind: Literal["membership.cancelled"] = "membership.cancelled"
    order_id: Ref | None = None
    refunded: bool = False
    reason: Label | None = None


class LineItem(_Strict):
    sku: Ref | None = None
    product_id: Ref | None = None
    title: Label
    quantity: int = Field(default=1, ge=0)
    unit_price: Money | None = None
    meaning: Literal["membership", "ticket", "donation", "retail", "unknown"] = "unknown"


class PurchaseCompleted(_Data):
    kind: Literal["purchase.completed"] = "purchase.completed"
    order_id: Ref
    total: Money
    items: tuple[LineItem, ...] = Field(default=(), max_length=MAX_LIST_ITEMS)
    category: Literal["donation", "retail", "ticket", "membership", "mixed", "unknown"] = "unknown"
    location: Label | None = None
    division: Label | None = None
    checkout_token: Ref | None = Field(default=None, description="the online checkout this order completes")


class CheckoutStarted(_Data):
    """A shopper reached the online checkout: no sale yet, and if no order for it follows, an abandoned one."""

    kind: Literal["checkout.started"] = "checkout.started"
    checkout_token: Ref = Field(min_length=1)
    touchpoint: Label = "online-shop"
    lines: int = Field(default=0, ge=0, description="how many lines the cart had (the lines themselves are not kept)")
    total: Money | None = None
    recover_url: str | None = Field(default=None, max_length=2048, description="where the shopper can finish it")


class TicketBooked(_Data):
    kind: Literal["ticket.booked"] = "ticket.booked"
    order_id: Ref
    event_ref: Ref = Field(min_length=1)
    event_name: Label | None = None
    event_date: date | None = None
    quantity: int = Field(default=1, ge=1)
    ticket_class: Label | None = None
    amount: Money | None = None
    division: Label | None = None


class TicketCancelled(_Data):
    kind: Literal["ticket.cancelled"] = "ticket.cancelled"
    order_id: Ref
    event_ref: Ref = Field(min_length=1)


class TicketCheckedIn(_Data):
    kind: Literal["ticket.checked_in"] = "ticket.checked_in"
    event_ref: Ref = Field(min_length=1)
    order_id: Ref | None = None
    location: Label | None = None


class SurveyResponded(_Data):
    kind: Literal["survey.responded"] = "survey.responded"
    response_id: Ref = Field(min_length=1)
    scale: Literal["nps", "csat", "stars"]
    score: int
    comment: Comment | None = None
    touchpoint: Label = "general"
    location: Label | None = None
    survey_ref: Ref | None = None
    permalink: Url | None = None

    @model_validator(mode="after")
    def _score_on_scale(self) -> SurveyResponded:
        low, high = {"nps": (0, 10), "csat": (1, 5), "stars": (1, 5)}[self.scale]
        if not low <= self.score <= high:
            raise ValueError(f"score {self.score} is outside the {self.scale} scale {low}-{high}")
        return self


class SurveySent(_Data):
    """We asked for a rating after a touchpoint (a timeline entry; it changes no profile fact)."""

    kind: Literal["survey.sent"] = "survey.sent"
    touchpoint: str = Field(min_length=1)
    scale: Literal["nps", "csat", "stars"]
    about_event_id: str = Field(min_length=1, description="the touchpoint event the survey asks about")


ConsentStatusLiteral = Literal["subscribed", "unsubscribed", "cleaned", "complained", "pending"]


class ConsentChanged(_Data):
    """A consent signal. `explicit` is True only for an action the customer took themselves."""

    kind: Literal["consent.changed"] = "consent.changed"
    channel: Literal["email_marketing"] = "email_marketing"
    status: ConsentStatusLiteral
    explicit: bool = True
    reason: Label | None = None


class CustomerUpdated(_Data):
    kind: Literal["customer.updated"] = "customer.updated"
    given_name: Label | None = None
    family_name: Label | None = None
    division: Label | None = None
    crm_owner: Label | None = None
    previous_email: Label | None = None


class CustomerForgotten(_Data):
    kind: Literal["customer.forgotten"] = "customer.forgotten"
    reason: Label | None = None


EventData = Annotated[
    MembershipPurchased
    | MembershipRenewed
    | MembershipCancelled
    | PurchaseCompleted
    | CheckoutStarted
    | TicketBooked
    | TicketCancelled
    | TicketCheckedIn
    | SurveyResponded
    | SurveySent
    | ConsentChanged
    | CustomerUpdated
    | CustomerForgotten,
    Field(discriminator="kind"),
]

EVENT_TYPES: tuple[str, ...] = (
    "membership.purchased",
    "membership.renewed",
    "membership.cancelled",
    "purchase.completed",
    "checkout.started",
    "ticket.booked",
    "ticket.cancelled",
    "ticket.checked_in",
    "survey.responded",
    "survey.sent",
    "consent.changed",
    "customer.updated",
    "customer.forgotten",
)

EventType = Literal[
    "membership.purchased",
    "membership.renewed",
    "membership.cancelled",
    "purchase.completed",
    "checkout.started",
    "ticket.booked",
    "ticket.cancelled",
    "ticket.checked_in",
    "survey.responded",
    "survey.sent",
    "consent.changed",
    "customer.updated",
    "customer.forgotten",
]


class CustomerEvent(_Strict):
    """One thing that happened to one customer, as told by one vendor."""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=64)
    type: EventType
    time: AwareDatetime
    subject: Ref | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    identity: IdentityKeys = Field(default_factory=IdentityKeys)
    vendor_event_id: Ref | None = None
    archive_key: str | None = Field(
        default=None, description="S3 key of the raw delivery this event came from (so `forget` can erase it)"
    )
    unverified: tuple[str, ...] = Field(
        default=(), description="keys the event named that were not trusted enough to claim, link or merge"
    )
    data: EventData

    @model_validator(mode="before")
    @classmethod
    def _kind_from_type(cls, value: Any) -> Any:
        # CloudEvents carry the type on the envelope; copy it into data so the union can discriminate.
        if isinstance(value, dict) and isinstance(value.get("data"), dict) and "kind" not in value["data"]:
            value = {**value, "data": {**value["data"], "kind": value.get("type")}}
        return value

    @model_validator(mode="after")
    def _type_matches_data(self) -> CustomerEvent:
        if self.data.kind != self.type:
            raise ValueError(f"type {self.type!r} does not match data kind {self.data.kind!r}")
        return self

    @classmethod
    def create(
        cls,
        *,
        source: str,
        vendor_event_id: str,
        time: datetime,
        data: Any,
        identity: IdentityKeys | None = None,
        part: str | int = "",
    ) -> CustomerEvent:
        """Build an event whose id is stable for (source, vendor event, part)."""
        identity = identity or IdentityKeys()
        best = identity.best()
        return cls(
            id=stable_event_id(source, vendor_event_id, part),
            source=source,
            type=data.kind,
            time=time,
            subject=best.digest() if best else None,
            identity=identity,
            vendor_event_id=vendor_event_id,
            data=data,
        )

    def group_key(self) -> str:
        """The FIFO message group: a stable hash of the best identity key (anonymous events share one)."""
        best = self.identity.best()
        return best.digest() if best else "anonymous"
