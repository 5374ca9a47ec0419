"""Our own signed CloudEvents endpoint, for in-house systems and vendors without an adapter.

Signature: `X-Journeysync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
5-minute replay window. The body is one CloudEvents 1.0 JSON object, or a JSON array of them
(a batch), in journeysync's vocabulary (`type` one of EVENT_TYPES, `identity` keys, typed `data`).
CloudEvents makes `source` + `id` unique, so both the event id we store (derived from the pair)
and the delivery's dedupe key include the source: two systems' ids never collide. A re-send of
the same source + id with different content is answered 409 (send a correction under a new id),
never silently swallowed as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from journeysync.errors import BadInputError
from journeysync.models.events import CustomerEvent, stable_event_id
from journeysync.models.validation import parse_model
from journeysync.vendors.base import (
    ParseContext,
    Parsed,
    VendorAdapter,
    WebhookRequest,
    fresh,
    hmac_sha256,
    parse_signature_header,
    require,
    same,
)

SIGNATURE_HEADER = "x-journeysync-signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender puts on `body` (used by the CLI, the demo and tests)."""
    digest = hmac_sha256(secret, f"{timestamp}.".encode() + body).hex()
    return f"t={timestamp},v1={digest}"


class CloudEventsAdapter(VendorAdapter):
    name = "cloudevents"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        parts = parse_signature_header(require(request.header(SIGNATURE_HEADER), "signature header"))
        timestamp, given = require(parts.get("t"), "timestamp"), require(parts.get("v1"), "v1 signature")
        fresh(timestamp, request.received_at)
        same(hmac_sha256(secret, f"{timestamp}.".encode() + request.body).hex(), given)

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {
            "content-type": "application/cloudevents+json",
            SIGNATURE_HEADER: sign(secret, body, int(now.timestamp())),
        }

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        doc = request.json()
        items: list[Any] = doc if isinstance(doc, list) else [doc]
        if not items:
            raise BadInputError("an empty batch carries no events", field="body")
        events: list[CustomerEvent] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadInputError("each event must be a JSON object", field=f"{index}" if len(items) > 1 else "body")
            sender_id, source = item.get("id"), item.get("source")
            if not isinstance(sender_id, str) or not sender_id:
                raise BadInputError("Field required", field=_loc(index, len(items), "id"))
            if not isinstance(source, str) or not source:
                raise BadInputError("Field required", field=_loc(index, len(items), "source"))
            try:
                event = parse_model(
                    CustomerEvent, {**item, "id": stable_event_id(source, sender_id), "vendor_event_id": sender_id}
                )
            except BadInputError as exc:
                raise BadInputError(exc.message, field=_loc(index, len(items), exc.field or "")) from None
            if event.subject is None and (best := event.identity.best()) is not None:
                event = event.model_copy(update={"subject": best.digest()})
            events.append(event)
        ids = sorted(f"{i['source']}|{i['id']}" for i in items)
        canonical = sorted(json.dumps(i, sort_keys=True, separators=(",", ":")) for i in items)
        return Parsed(
            vendor_event_id="+".join(ids),
            events=events,
            event_type=events[0].type,
            fingerprint=hashlib.sha256("\n".join(canonical).encode()).hexdigest(),
        )


def _loc(index: int, count: int, field: str) -> str:
    return f"{index}.{field}" if count > 1 else field
