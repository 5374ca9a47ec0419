"""The identity merge policy (`identity.yaml`): which key provenance may do what.

A key a stranger can type must never merge two people, move a member's primary email or
their consent. The policy says, per trust level (`journeysync.identity.TrustLevel`), what a
key at that level may do; a missing file means the safe defaults below.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from journeysync.identity import TrustLevel


class IdentityPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    claim: frozenset[TrustLevel] = Field(
        default=frozenset({"vendor_id", "verified", "typed"}),
        description="levels whose key, held by nobody yet, joins the profile the event resolved to",
    )
    link: frozenset[TrustLevel] = Field(
        default=frozenset({"vendor_id", "verified", "typed"}),
        description="levels whose key attaches an event to the profile already holding it",
    )
    link_protected: frozenset[TrustLevel] = Field(
        default=frozenset({"vendor_id", "verified"}),
        description="levels that may attach a membership, consent or email-change event to an existing profile",
    )
    merge: frozenset[TrustLevel] = Field(
        default=frozenset({"vendor_id", "verified"}),
        description="levels whose key, held by a second profile, merges the two",
    )
    primary_email: frozenset[TrustLevel] = Field(
        default=frozenset({"vendor_id", "verified"}),
        description="levels whose email may become (or replace) a profile's primary email",
    )

    def may(self, action: str, level: TrustLevel) -> bool:
        allowed: frozenset[TrustLevel] = getattr(self, action)
        return level in allowed


class IdentityConfig(BaseModel):
    """`identity.yaml`: the top level holds one `identity:` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identity: IdentityPolicy = Field(default_factory=IdentityPolicy)
