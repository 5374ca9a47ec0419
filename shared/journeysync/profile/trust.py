"""What each identity key of an event may do, from its provenance and the merge policy (pure).

Resolution (`profile.resolve`) asks two questions per key: may it *claim* (join a profile
when nobody holds it), *link* (attach the event to the profile holding it) or *merge* (join
a second holding profile to the first)? The answers depend only on the key's trust level,
the event's type and `identity.yaml`, so they are decided here without any store.

Membership, consent and email-change events are *protected*: only `link_protected` levels
may attach them to an existing profile, so a stranger who types a member's phone number on
an order never moves that member's membership or consent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journeysync.config.identity import IdentityPolicy
from journeysync.identity import TRUST_LEVELS, IdentityKey, TrustLevel
from journeysync.models.events import CustomerEvent, CustomerUpdated

PROTECTED_TYPES = frozenset(
    {"membership.purchased", "membership.renewed", "membership.cancelled", "consent.changed", "customer.forgotten"}
)


def is_protected(event: CustomerEvent) -> bool:
    """Whether the event may move membership, consent or the email a profile is reached at."""
    if event.type in PROTECTED_TYPES:
        return True
    return isinstance(event.data, CustomerUpdated) and bool(event.data.previous_email)


@dataclass(frozen=True)
class Admission:
    """Per key of one event: what it may do (a key may be in several sets, or only in `unverified`)."""

    claim: tuple[IdentityKey, ...] = ()
    link: tuple[IdentityKey, ...] = ()
    merge: frozenset[IdentityKey] = field(default_factory=frozenset)
    levels: dict[IdentityKey, TrustLevel] = field(default_factory=dict)

    def unverified(self, keys: list[IdentityKey], held: set[IdentityKey]) -> list[IdentityKey]:
        """Keys the event named that ended up neither claimed nor linked to its profile."""
        return [k for k in keys if k not in held]


def level_of(event: CustomerEvent, key: IdentityKey) -> TrustLevel:
    """A key's level; `previous_email` of an email change has its event's best email level."""
    named = event.identity.keys()
    if key in named:
        return event.identity.level(key)
    emails = [event.identity.level(IdentityKey("email", e)) for e in event.identity.emails]
    return min(emails, key=TRUST_LEVELS.index) if emails else "typed"


def admit(event: CustomerEvent, keys: list[IdentityKey], policy: IdentityPolicy) -> Admission:
    """What each of `keys` (the event's keys, best first) may do under `policy`."""
    levels = {k: level_of(event, k) for k in keys}
    link_levels = policy.link_protected if is_protected(event) else policy.link
    ordered = sorted(keys, key=lambda k: TRUST_LEVELS.index(levels[k]))  # stable: kind order kept per level
    merge = [k for k in ordered if policy.may("merge", levels[k]) and levels[k] in link_levels]
    # when the event carries trusted keys they alone say whose it is: a typed phone on an order paid
    # from a new address must not pull the order into the profile that happens to hold that phone
    link = merge or [k for k in ordered if levels[k] in link_levels]
    return Admission(
        claim=tuple(k for k in ordered if policy.may("claim", levels[k])),
        link=tuple(link),
        merge=frozenset(merge),
        levels=levels,
    )


def may_be_primary(event: CustomerEvent, email: str, policy: IdentityPolicy) -> bool:
    return policy.may("primary_email", event.identity.level(IdentityKey("email", email)))
