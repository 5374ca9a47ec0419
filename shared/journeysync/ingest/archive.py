"""The raw archive: every accepted delivery, byte for byte, before anything is acknowledged.

Keys are `raw/<vendor>/<yyyy>/<mm>/<dd>/<digest of the vendor event id>.json` (UTC date of
receipt), so a vendor's redelivery overwrites its own object and a day's deliveries list
under one prefix. Signature headers and path tokens are secrets and are redacted; the body
is kept as received (text, or base64 when it is not UTF-8), so a reconcile or a bug fix can
replay it through the adapter later.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from journeysync.vendors.base import WebhookRequest

REDACTED = "[redacted]"
_SECRET_HEADER_WORDS = ("signature", "hmac", "authorization", "cookie", "token", "secret")


def archive_key(vendor: str, vendor_event_id: str, received_at: datetime) -> str:
    digest = hashlib.sha256(f"{vendor}|{vendor_event_id}".encode()).hexdigest()[:40]
    return f"raw/{vendor}/{received_at:%Y/%m/%d}/{digest}.json"


def redact_headers(headers: dict[str, str] | Any) -> dict[str, str]:
    return {k: (REDACTED if any(w in k.lower() for w in _SECRET_HEADER_WORDS) else v) for k, v in headers.items()}


def archive_document(request: WebhookRequest, vendor_event_id: str, event_ids: list[str], note: str = "") -> bytes:
    try:
        body, encoding = request.body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        body, encoding = base64.b64encode(request.body).decode(), "base64"
    doc = {
        "vendor": request.vendor,
        "vendor_event_id": vendor_event_id,
        "received_at": request.received_at.isoformat(),
        "headers": redact_headers(request.headers),
        "query": dict(request.query),
        "body": body,
        "body_encoding": encoding,
        "event_ids": event_ids,
        "note": note,
    }
    return json.dumps(doc, sort_keys=True).encode()


def put_archive(s3: Any, bucket: str, key: str, document: bytes) -> None:
    """One PUT; S3 acknowledges only once the object is durably stored."""
    s3.put_object(Bucket=bucket, Key=key, Body=document, ContentType="application/json")
