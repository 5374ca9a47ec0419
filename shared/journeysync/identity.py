"""Identity keys: the normalised handles (email, E.164 phone, vendor ids) that tie events to one customer.

Normalising at the edge is what makes "one key maps to exactly one customer"
possible: `Ann@Example.com ` and `ann@example.com` must be the same key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

KeyKind = Literal["email", "phone", "ext"]

TrustLevel = Literal["vendor_id", "verified", "typed", "url"]
"""Where a key came from, most trusted first:

- `vendor_id` — a vendor's own customer id (Square/Shopify customer id);
- `verified` — an address the vendor verified or that paid (an order's email, a list member);
- `typed` — typed by the customer into a form (a survey answer, a phone on an order);
- `url` — read from a URL or hidden field anyone can edit.
"""

TRUST_LEVELS: tuple[TrustLevel, ...] = ("vendor_id", "verified", "typed", "url")
DEFAULT_TRUST: TrustLevel = "verified"
"""Keys on events journeysync builds itself, or that a signed in-house CloudEvents sender does not qualify."""

_KIND_RANK: dict[str, int] = {"email": 0, "phone": 1, "ext": 2}


def normalise_email(raw: str) -> str:
    """Trim, validate the syntax with email-validator (no DNS lookup: this is the hot path) and lower-case.

    A key ends up in line- and tab-separated reconcile files, SES headers and HubSpot, so an address with
    a newline, tab, quotes, a display name or an IP literal is refused here rather than trusted downstream.
    """
    from email_validator import EmailNotValidError, validate_email

    value = raw.strip()
    if len(value) > 254:
        raise ValueError("not an email address: longer than 254 characters")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not an email address: {exc}") from None
    return checked.normalized.lower()


def normalise_phone(raw: str, default_region: str = "GB") -> str:
    """Parse with libphonenumber and format as E.164; reject invalid numbers."""
    import phonenumbers  # imported on the first phone number: most events carry an email only

    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True, order=True)
class IdentityKey:
    """One normalised key. `system` is set only for `ext` keys (e.g. "square")."""

    kind: KeyKind
    value: str
    system: str = ""

    def __str__(self) -> str:
        if self.kind == "ext":
            return f"ext:{self.system}:{self.value}"
        return f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> IdentityKey:
        kind, _, rest = text.partition(":")
        if kind == "ext":
            system, _, value = rest.partition(":")
            if not system or not value:
                raise ValueError("ext keys look like ext:<system>:<id>")
            return cls("ext", value, system)
        if kind == "email":
            return cls("email", normalise_email(rest))
        if kind == "phone":
            return cls("phone", normalise_phone(rest))
        raise ValueError(f"unknown identity key kind {kind!r}")

    @property
    def rank(self) -> int:
        """Lower is a better key for grouping (email beats phone beats vendor id)."""
        return _KIND_RANK[self.kind]

    def digest(self) -> str:
        """A stable, non-reversible token for this key: safe in logs, queue group ids and metrics."""
        return hashlib.sha256(str(self).encode()).hexdigest()[:32]
