"""Helpers every adapter shares: defensive field access, identity, time, money, and sale → events.

Vendor payloads are hostile input until proven otherwise: every accessor here either
returns the expected type or raises `BadInputError` naming the dotted field, so no
KeyError/TypeError/ValueError can turn a bad delivery into a 500. Identity is the
opposite: a malformed email or phone on an otherwise good event is dropped, because
losing one key is better than losing the purchase.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel

from journeysync.config.catalogue import Catalogue, CatalogueEntry
from journeysync.errors import BadInputError
from journeysync.identity import TrustLevel, normalise_email, normalise_phone
from journeysync.models.events import (
    CustomerEvent,
    IdentityKeys,
    LineItem,
    MembershipPurchased,
    MembershipRenewed,
    Money,
    PurchaseCompleted,
    TicketBooked,
)
from journeysync.models.limits import MAX_KEYS_PER_KIND, REF_BYTES
from journeysync.models.validation import parse_model
from journeysync.vendors.base import SignatureError, WebhookRequest, hmac_sha256, require, same

M = TypeVar("M", bound=BaseModel)

# ISO 4217 currencies whose minor unit is not 1/100 (the rest of the world uses two decimals).
_EXPONENT: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF"), 0),
    **dict.fromkeys(("UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
_RENEWAL = re.compile(r"(?i)\brenew")


# --------------------------------------------------------------------------- signatures


def b64_hmac(key: str, message: bytes) -> str:
    return base64.b64encode(hmac_sha256(key, message)).decode()


def verify_prefixed(request: WebhookRequest, header: str, expected: str, prefix: str = "sha256=") -> None:
    """`<header>: sha256=<digest>` schemes (Typeform, Delighted): the scheme named, then a constant-time match."""
    given = require(request.header(header), "signature header")
    if not given.startswith(prefix):
        raise SignatureError("unsupported signature scheme")
    same(expected, given)


def hex_hmac(key: str, message: bytes) -> str:
    return hmac_sha256(key, message).hex()


# --------------------------------------------------------------------------- field access


def obj(doc: Any, key: str, where: str) -> dict[str, Any]:
    """A required nested object."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if value is None:
        raise BadInputError("Field required", field=where)
    if not isinstance(value, dict):
        raise BadInputError("must be an object", field=where)
    return value


def opt_obj(doc: Any, key: str, where: str) -> dict[str, Any]:
    """An optional nested object ({} when absent or null)."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInputError("must be an object", field=where)
    return value


def opt_list(doc: Any, key: str, where: str) -> list[Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadInputError("must be a list", field=where)
    return value


def opt_str(doc: Any, key: str) -> str | None:
    """A string-ish scalar (vendors send ids as numbers too); None for anything else or blank."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def text(doc: Any, key: str, where: str) -> str:
    """A required non-blank string (or integer id)."""
    value = opt_str(doc, key)
    if value is None:
        raise BadInputError("Field required", field=where)
    return value


def integer(value: Any, where: str) -> int:
    """An integer from a JSON number or a numeric string ("2", "2.0"); bools are not numbers."""
    if isinstance(value, bool):
        raise BadInputError("must be a number", field=where)
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip()) if isinstance(value, (str, float)) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise BadInputError("must be a whole number", field=where)
    if abs(number) > 10**12:
        raise BadInputError("number out of range", field=where)
    return int(number)


def model(cls: type[M], where: str, **values: Any) -> M:
    """Build a canonical data model; a validation failure names `where` plus the model's field."""
    try:
        return parse_model(cls, values)
    except BadInputError as exc:
        raise BadInputError(exc.message, field=f"{where}.{exc.field}" if exc.field else where) from None


# --------------------------------------------------------------------------- time


def when(value: Any, where: str) -> datetime:
    """A vendor timestamp (ISO 8601, "YYYY-MM-DD HH:MM:SS" in UTC, or unix seconds) as an aware datetime."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str) and value.strip():
            raw = value.strip()
            if re.fullmatch(r"\d{9,11}(\.\d+)?", raw):
                return datetime.fromtimestamp(float(raw), UTC)
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise BadInputError("must be a timestamp (ISO 8601 or unix seconds)", field=where)


def first_time(doc: Any, keys: Sequence[str], where: str, fallback: datetime | None = None) -> datetime:
    """The first present timestamp of `keys` (vendors fill different ones per event)."""
    for key in keys:
        value = doc.get(key) if isinstance(doc, dict) else None
        if value not in (None, ""):
            return when(value, f"{where}.{key}" if where else key)
    if fallback is not None:
        return fallback
    raise BadInputError("Field required", field=f"{where}.{keys[0]}" if where else keys[0])


def day(value: Any) -> date | None:
    """An event date when a vendor gives one we can read; never fatal (it is decoration)."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- money


def minor_units(major: Any, currency: str, where: str) -> int:
    """A major-unit amount ("12.50" GBP) as minor units (1250), exactly: Decimal, never float."""
    if isinstance(major, bool) or major is None:
        raise BadInputError("must be an amount", field=where)
    try:
        amount = Decimal(str(major).strip())
    except InvalidOperation:
        raise BadInputError("must be an amount", field=where) from None
    if not amount.is_finite() or abs(amount) > Decimal(10) ** 12:
        raise BadInputError("must be an amount", field=where)
    scaled = amount.scaleb(_EXPONENT.get(currency.upper(), 2))
    if scaled != scaled.to_integral_value():
        raise BadInputError("has more decimals than the currency allows", field=where)
    return int(scaled)


def money(amount: Any, currency: Any, where: str) -> Money:
    """Money from minor units and a currency code."""
    if not isinstance(currency, str):
        raise BadInputError("currency required", field=f"{where}.currency")
    return model(Money, where, amount=integer(amount, f"{where}.amount"), currency=currency)


def money_obj(doc: Any, key: str, where: str, *, amount_key: str = "amount") -> Money | None:
    """`{amount, currency}`-style money (Square, Eventbrite) or None when absent."""
    value = opt_obj(doc, key, where)
    if not value:
        return None
    return money(value.get(amount_key), value.get("currency"), where)


# --------------------------------------------------------------------------- identity


def identity(
    *,
    emails: Iterable[Any] = (),
    phones: Iterable[Any] = (),
    external: Mapping[str, Any] | None = None,
    region: str = "GB",
    email_trust: TrustLevel = "verified",
    phone_trust: TrustLevel = "typed",
    external_trust: TrustLevel = "vendor_id",
) -> IdentityKeys:
    """Normalised identity keys with their provenance; an invalid email/phone is dropped, not fatal.

    The defaults fit most vendors: the order's or list member's email is one the vendor verified
    or that paid, a phone number is whatever the customer typed, an external id is the vendor's
    own customer id. A form answer (`typed`) or a hidden field (`url`) says so explicitly.
    """
    good_emails: list[str] = []
    for raw in emails:
        if isinstance(raw, str) and raw.strip():
            with contextlib.suppress(ValueError):
                good_emails.append(normalise_email(raw))
    good_phones: list[str] = []
    for raw in phones:
        if isinstance(raw, str) and raw.strip() and len(raw) <= 40:
            with contextlib.suppress(ValueError):
                good_phones.append(normalise_phone(raw, region))
    ext = {
        system: str(value).strip()
        for system, value in (external or {}).items()
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip()
        and len(str(value).strip().encode("utf-8", "surrogatepass")) <= REF_BYTES
    }
    keep = MAX_KEYS_PER_KIND  # the first few of each kind; a payload listing more is not one person's
    emails = tuple(dict.fromkeys(good_emails))[:keep]
    phones = tuple(dict.fromkeys(good_phones))[:keep]
    ext = dict(list(ext.items())[:keep])
    trust: dict[str, TrustLevel] = {f"email:{e}": email_trust for e in emails}
    trust |= {f"phone:{p}": phone_trust for p in phones}
    trust |= {f"ext:{system}:{value}": external_trust for system, value in ext.items()}
    return IdentityKeys(emails=emails, phones=phones, external=ext, trust=trust)


def clean_email(raw: Any) -> str | None:
    if isinstance(raw, str):
        try:
            return normalise_email(raw)
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- events


def event(
    *,
    source: str,
    key: str,
    part: str | int,
    delivery_id: str,
    time: datetime,
    data: Any,
    ident: IdentityKeys,
) -> CustomerEvent:
    """A canonical event whose id derives from the *business* key (payment, order, ticket), not the delivery.

    Vendors announce one fact more than once under different event ids (Square's payment.created and
    payment.updated both COMPLETED; Ticket Tailor's order created then updated): keying on the object
    makes those collapse downstream, while `vendor_event_id` still says which delivery carried it.
    """
    made = CustomerEvent.create(source=source, vendor_event_id=key, time=time, data=data, identity=ident, part=part)
    return made.model_copy(update={"vendor_event_id": delivery_id})


@dataclass(frozen=True)
class Emitter:
    """Events that share one business key, delivery, time and identity (one per `part`)."""

    source: str
    key: str
    delivery_id: str
    time: datetime
    ident: IdentityKeys

    def __call__(self, part: str | int, data: Any, *, time: datetime | None = None) -> CustomerEvent:
        return event(
            source=self.source,
            key=self.key,
            part=part,
            delivery_id=self.delivery_id,
            time=time or self.time,
            data=data,
            ident=self.ident,
        )


@dataclass(frozen=True)
class Sale:
    """One line of an order, vendor-neutral, before the catalogue says what it means."""

    title: str
    quantity: int = 1
    sku: str | None = None
    product_id: str | None = None
    variation: str | None = None
    unit_price: Money | None = None
    line_total: Money | None = None


def lookup(catalogue: Catalogue, vendor: str, sale: Sale, *, ticket_class: str | None = None) -> CatalogueEntry | None:
    entry = catalogue.lookup(
        vendor, sku=sale.sku, product_id=sale.product_id, ticket_class=ticket_class, name=sale.title
    )
    if entry is None and sale.variation:
        entry = catalogue.lookup(vendor, ticket_class=sale.variation, name=sale.variation)
    return entry


def is_renewal(sale: Sale) -> bool:
    return any(_RENEWAL.search(v) for v in (sale.title, sale.variation or "", sale.sku or ""))


def sale_events(
    *,
    source: str,
    key: str,
    delivery_id: str,
    time: datetime,
    ident: IdentityKeys,
    catalogue: Catalogue,
    order_id: str,
    total: Money,
    sales: Sequence[Sale],
    channel: str,
    location: str | None = None,
) -> list[CustomerEvent]:
    """Membership / ticket events per matching line, then one purchase.completed for the whole order."""
    emit = Emitter(source, key, delivery_id, time, ident)
    events: list[CustomerEvent] = []
    items: list[LineItem] = []
    meanings: list[str] = []
    divisions: set[str | None] = set()
    for index, sale in enumerate(sales):
        entry = lookup(catalogue, source, sale)
        meaning = entry.meaning if entry else "unknown"
        meanings.append(meaning)
        divisions.add(entry.division if entry else None)
        items.append(
            model(
                LineItem,
                f"line_items.{index}",
                sku=sale.sku,
                product_id=sale.product_id,
                title=sale.title or "item",
                quantity=max(sale.quantity, 0),
                unit_price=sale.unit_price,
                meaning=meaning,
            )
        )
        amount = sale.line_total or sale.unit_price
        if entry is not None and entry.meaning == "membership":
            cls = MembershipRenewed if is_renewal(sale) else MembershipPurchased
            data: Any = model(
                cls,
                f"line_items.{index}",
                tier=entry.tier,
                term_months=entry.term_months,
                amount=amount,
                order_id=order_id,
                product_ref=sale.sku or sale.product_id,
                channel=channel,
                location=location,
                division=entry.division,
            )
            events.append(emit(f"{index}:membership", data))
        elif entry is not None and entry.meaning == "ticket":
            data = model(
                TicketBooked,
                f"line_items.{index}",
                order_id=order_id,
                event_ref=entry.event_ref,
                event_name=entry.event_name,
                quantity=max(sale.quantity, 1),
                ticket_class=sale.variation or sale.title,
                amount=amount,
                division=entry.division,
            )
            events.append(emit(f"{index}:ticket", data))
    known = {m for m in meanings if m != "unknown"}
    category = "unknown" if not known else (known.pop() if len(known) == 1 and "unknown" not in meanings else "mixed")
    division = divisions.pop() if len(divisions) == 1 else None
    purchase = model(
        PurchaseCompleted,
        "order",
        order_id=order_id,
        total=total,
        items=tuple(items),
        category=category,
        location=location,
        division=division,
    )
    events.append(emit("purchase", purchase))
    return events


# --------------------------------------------------------------------------- URLs


def under_prefix(url: str, base: str) -> bool:
    """Whether `url` sits on `base`'s scheme, host, port and path prefix (the SSRF guard for fetch-by-URL)."""
    try:
        target, root = urlsplit(url), urlsplit(base)
        target_port, root_port = target.port, root.port
    except ValueError:
        return False
    if target.scheme not in ("https", "http") or target.scheme != root.scheme:
        return False
    if "@" in target.netloc or target.fragment or not target.hostname:
        return False
    if (target.hostname or "").lower() != (root.hostname or "").lower() or target_port != root_port:
        return False
    segments = target.path.split("/")
    if any(s in (".", "..") or "%" in s or "\\" in s for s in segments):
        return False
    prefix = root.path.rstrip("/") + "/"
    return (target.path.rstrip("/") + "/").startswith(prefix)
