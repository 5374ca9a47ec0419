"""What the sync compares and pushes: the desired contact, the state last synced, a change, its outcome.

All of it is plain data: `plan()` is a pure function of (desired, last synced), unit-tested
without any destination.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from journeysync.consent import SUPPRESSING, may_subscribe
from journeysync.models.customer import Customer

OutcomeStatus = Literal["ok", "refused", "retriable", "fatal"]


@dataclass(frozen=True)
class Desired:
    """What one destination should hold for one customer, derived from the profile and the segments."""

    customer_id: str
    version: int
    email: str | None
    audiences: frozenset[str]
    subscribed: bool  # consent.may_subscribe: the only way anything is pushed as subscribed
    suppressed: bool  # unsubscribed / cleaned / complained
    consent_status: str = "unknown"
    own_action: str | None = None  # the customer's own newest action, when it decides the status
    given_name: str | None = None
    family_name: str | None = None
    forgotten: bool = False

    @property
    def opted_in(self) -> frozenset[str]:
        """Audiences the contact is pushed as subscribed to (none unless consent allows)."""
        return self.audiences if self.subscribed and not self.suppressed else frozenset()


@dataclass(frozen=True)
class ContactState:
    """The membership last pushed to one destination for one customer (an item in the table)."""

    customer_id: str
    destination: str
    version: int
    email: str | None = None
    audiences: frozenset[str] = frozenset()
    subscribed: bool = False
    suppressed: bool = False
    refused: bool = False  # the destination holds the contact unsubscribed on its own (compliance state)
    forgotten: bool = False
    synced_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def opted_in(self) -> frozenset[str]:
        return self.audiences if self.subscribed and not self.suppressed else frozenset()


@dataclass(frozen=True)
class Change:
    """One push: `upsert` the contact to `desired`, or `delete` it (`permanent` for a forget)."""

    destination: str
    op: Literal["upsert", "delete"]
    email: str
    desired: Desired
    previous: ContactState | None = None
    permanent: bool = False

    @property
    def customer_id(self) -> str:
        return self.desired.customer_id

    @property
    def added(self) -> frozenset[str]:
        before = self.previous.audiences if self.previous and self.previous.email == self.email else frozenset()
        return self.desired.audiences - before

    @property
    def removed(self) -> frozenset[str]:
        before = self.previous.audiences if self.previous and self.previous.email == self.email else frozenset()
        return before - self.desired.audiences

    @property
    def is_new(self) -> bool:
        return self.previous is None or self.previous.email != self.email or self.previous.forgotten


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus = "ok"
    reason: str = ""
    retry_after: float | None = None
    calls: int = 0

    @property
    def failed(self) -> bool:
        return self.status in ("retriable", "fatal")


OK = Outcome()


def own_consent_action(customer: Customer) -> str | None:
    """The status the customer's *own newest* consent action set, if that action decides the status now.

    Suppression is always the contact's own fact (an unsubscribe or a complaint is their act; a
    cleaned address is reported by the destination itself): the snapshot says so without the
    ledger. A subscribe counts only when the ledger shows that the deciding record was explicit;
    snapshots (which strip the ledger) therefore never send `status: subscribed`.
    """
    consent = customer.profile.email_consent
    if consent.status in ("unsubscribed", "complained"):
        return "unsubscribed"
    if consent.status != "subscribed" or not consent.ledger:
        return None
    explicit = [r for r in consent.ledger if r.explicit]
    if not explicit:
        return None
    newest = max(explicit, key=lambda r: (r.at, r.event_id or ""))
    if newest.status == "subscribed" and consent.at is not None and newest.at >= consent.at:
        return "subscribed"
    return None


def desired_for(customer: Customer, audiences: frozenset[str], *, forgotten: bool = False) -> Desired:
    consent = customer.profile.email_consent
    gone = forgotten or customer.header.forgotten
    return Desired(
        customer_id=customer.customer_id,
        version=customer.header.version,
        # a forget of a live snapshot keeps its address: it is the contact to delete when no state names one
        email=None if customer.header.forgotten else customer.identity.primary_email,
        audiences=frozenset() if gone else audiences,
        subscribed=may_subscribe(consent) and not gone,
        suppressed=consent.status in SUPPRESSING,
        consent_status=consent.status,
        own_action=own_consent_action(customer),
        given_name=customer.profile.given_name,
        family_name=customer.profile.family_name,
        forgotten=gone,
    )


def plan(destination: str, desired: Desired, state: ContactState | None) -> Change | None:
    """The one change that brings `destination` from `state` to `desired`, or None (nothing to push).

    - a forget deletes the contact last synced (permanently) and leaves a tombstone state;
    - a stale event (older version than last synced) or a forgotten customer changes nothing;
    - a customer never synced is created only when subscribed, or when suppressed (so a contact
      someone else created there is suppressed too); never-consented customers are not created;
    - otherwise a push happens only when the email, the audiences or the consent flags differ.
    """
    if desired.forgotten:
        email = (state.email if state else None) or desired.email
        if state is not None and state.forgotten:
            return None
        if email is None:
            return None
        return Change(destination, "delete", email, desired, state, permanent=True)
    if state is not None and (state.forgotten or desired.version < state.version):
        return None
    if desired.email is None:
        if state is not None and state.email:
            return Change(destination, "delete", state.email, desired, state)
        return None
    if state is None or state.email is None:
        if desired.subscribed or desired.suppressed:
            return Change(destination, "upsert", desired.email, desired, state)
        return None
    same = (
        state.email == desired.email
        and state.audiences == desired.audiences
        and state.subscribed == desired.subscribed
        and state.suppressed == desired.suppressed
    )
    if same:
        return None
    return Change(destination, "upsert", desired.email, desired, state)


def state_after(change: Change, outcome: Outcome) -> ContactState:
    """The state to record once `change` succeeded (or was refused by the destination)."""
    d = change.desired
    if change.op == "delete" and change.permanent:
        return ContactState(d.customer_id, change.destination, d.version, forgotten=True)
    if change.op == "delete":
        return ContactState(d.customer_id, change.destination, d.version)
    refused = outcome.status == "refused" or bool(change.previous and change.previous.refused and not d.own_action)
    return ContactState(
        d.customer_id,
        change.destination,
        d.version,
        email=d.email,
        audiences=d.audiences,
        subscribed=d.subscribed,
        suppressed=d.suppressed,
        refused=refused,
    )


def bump(state: ContactState, version: int) -> ContactState:
    return replace(state, version=version, synced_at=datetime.now(UTC))
