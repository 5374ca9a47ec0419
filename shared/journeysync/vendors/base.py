"""The contract every inbound vendor adapter meets: verify the raw bytes, then parse into canonical events.

An adapter is two hooks over one shared request type. `verify` must run before
anything reads the body, compare in constant time, and fail closed; `parse` turns
a verified body into `CustomerEvent`s (through the catalogue map) and, where the
vendor's payload is not enough on its own, into `Enrichment` jobs that a vendor
API call completes later (inline when it can, from a retrying queue when not).
The ingest pipeline (`journeysync.ingest`) owns everything else: size cap,
archive, queueing, idempotency, answers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from journeysync.config.catalogue import Catalogue
from journeysync.errors import BadInputError, JourneysyncError
from journeysync.models.events import CustomerEvent
from journeysync.models.limits import scrub_json

if TYPE_CHECKING:
    from journeysync.vendors.api import VendorApi

REPLAY_WINDOW_SECONDS = 300
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


class SignatureError(JourneysyncError):
    """Missing, malformed or wrong signature, or a stale timestamp: always a bare 401."""


@dataclass(frozen=True)
class WebhookRequest:
    """One inbound webhook as API Gateway gave it, body already base64-decoded when it was encoded."""

    vendor: str
    body: bytes
    headers: Mapping[str, str]  # keys lower-cased
    url: str = ""  # scheme://host/path as the vendor called it (Square signs it)
    path_token: str | None = None  # the `{token}` of `/webhooks/{vendor}/{token}` (Mailchimp, Eventbrite)
    query: Mapping[str, str] = field(default_factory=dict)
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body as JSON, or BadInputError naming the body.

        JSON may spell half a surrogate pair (`"\\ud83d"`, an emoji cut in half), which no UTF-8 store
        can hold; those become U+FFFD here, so the delivery is accepted whole or refused before archiving.
        """
        try:
            doc = json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: hostile nesting depth
            raise BadInputError("body is not valid JSON", field="body") from None
        return scrub_json(doc) if _ESCAPED_SURROGATE.search(self.body) else doc

    def json_object(self) -> dict[str, Any]:
        doc = self.json()
        if not isinstance(doc, dict):
            raise BadInputError("body must be a JSON object", field="body")
        return doc


class Enrichment(BaseModel):
    """A vendor event that needs an API call before it becomes canonical events (serialisable: it may be queued).

    `kind` names the call (e.g. `square.customer`, `eventbrite.order`); `payload` holds what the call needs
    and what parse already knew (the partially built event, the api_url, …).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    vendor: str
    kind: str
    vendor_event_id: str
    payload: dict[str, Any] = Field(default_factory=dict)


@dataclass
class Parsed:
    """What one verified webhook means.

    `vendor_event_id` is what the vendor retries with (dedupe key and archive key). `ignored` says why
    a delivery carries nothing we use (answered 202, archived, no effect).
    """

    vendor_event_id: str
    events: list[CustomerEvent] = field(default_factory=list)
    enrichments: list[Enrichment] = field(default_factory=list)
    ignored: str | None = None
    event_type: str = ""  # the vendor's own event type, for logs and metrics
    # a digest of what the sender asserted under `vendor_event_id`; a re-send with the same id and a
    # different fingerprint is a conflict (409), not a retry. "" = the adapter does not check.
    fingerprint: str = ""


@dataclass(frozen=True)
class ParseContext:
    """What parsing may read: the catalogue (product meanings, phone region, survey form maps).

    `api_base_urls` (vendor → the API base the enrichment step will call) lets parse refuse a
    payload that points enrichment elsewhere (Eventbrite's `api_url`) before anything is queued;
    a vendor missing from it falls back to the adapter's public `api_base_url`.
    """

    catalogue: Catalogue
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    api_base_urls: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrichContext:
    parse: ParseContext
    api: VendorApi


class VendorAdapter(ABC):
    """Base of every inbound adapter. Subclasses set `name` and implement `verify` and `parse`."""

    name: ClassVar[str]
    # How the secret reaches the adapter: "hmac" signs the body, "path_token" is a secret in the URL.
    secret_kind: ClassVar[str] = "hmac"  # noqa: S105 - a mode name, not a secret
    # Form-encoded vendors (Mailchimp) override; everything else is JSON.
    content_type: ClassVar[str] = "application/json"
    # Where `enrich` calls by default (the pipeline builds `VendorApi` from it unless configured
    # otherwise, e.g. at the vendor stand-in); None when the adapter never calls out or the
    # base is per-account (a Shopify shop's admin URL).
    api_base_url: ClassVar[str | None] = None
    # The header the vendor API token goes in; None means `Authorization: Bearer <token>`.
    api_token_header: ClassVar[str | None] = None

    @abstractmethod
    def verify(self, request: WebhookRequest, secret: str) -> None:
        """Raise SignatureError unless `request` was signed with `secret` (and is fresh, where timestamped)."""

    @abstractmethod
    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        """Canonical events (and enrichment jobs) of a verified request; BadInputError names a bad field."""

    def enrich(self, job: Enrichment, ctx: EnrichContext) -> list[CustomerEvent]:
        """Complete an enrichment job with vendor API calls (raise RetriableError / FatalError on failure)."""
        raise NotImplementedError(f"{self.name} has no enrichment step ({job.kind})")

    def answer_get(self, request: WebhookRequest, secret: str) -> tuple[int, str] | None:
        """Answer a vendor's URL-validation GET (Mailchimp), or None when the vendor sends none."""
        return None

    @abstractmethod
    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        """The headers the vendor would send with `body` (the demo, the CLI and the tests sign with this).

        Path-token vendors return {} (the secret goes in the URL: `/webhooks/<vendor>/<secret>`).
        """


# --------------------------------------------------------------------------- signature helpers


def hmac_sha256(key: str | bytes, message: bytes) -> bytes:
    return hmac.new(key.encode() if isinstance(key, str) else key, message, hashlib.sha256).digest()


def require(value: str | None, what: str) -> str:
    if not value:
        raise SignatureError(f"missing {what}")
    return value


def same(expected: str | bytes, given: str | bytes) -> None:
    """Constant-time comparison; raise SignatureError on mismatch."""
    a = expected.encode() if isinstance(expected, str) else expected
    b = given.encode() if isinstance(given, str) else given
    if not hmac.compare_digest(a, b):
        raise SignatureError("signature mismatch")


def fresh(timestamp: str, now: datetime, window: int = REPLAY_WINDOW_SECONDS) -> None:
    """Reject a signed timestamp (unix seconds) outside the replay window."""
    try:
        at = float(timestamp)
    except ValueError:
        raise SignatureError("malformed timestamp") from None
    if not math.isfinite(at):  # float() accepts "nan" and "inf", and every comparison with nan is False
        raise SignatureError("malformed timestamp")
    if abs(now.timestamp() - at) > window:
        raise SignatureError("stale timestamp")


def parse_signature_header(value: str) -> dict[str, str]:
    """`t=123,v1=abc` → {"t": "123", "v1": "abc"} (split on `,` then on the first `=`)."""
    parts: dict[str, str] = {}
    for piece in value.split(","):
        key, sep, val = piece.strip().partition("=")
        if sep:
            parts.setdefault(key.strip(), val.strip())
    return parts
