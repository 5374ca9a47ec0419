"""The raw archive: every accepted delivery, byte for byte, before anything is acknowledged.

Keys are `raw/<vendor>/<digest of the vendor event id>.json`: one object per delivery, whenever
the vendor redelivers it. The object doubles as the delivery's dedupe record: it is written only
if absent (S3 conditional write), with the adapter's content fingerprint in its metadata, so a
redelivery is recognised and a different body under the same id is a conflict — with no second
store and no write beyond the archive PUT itself. Signature headers and path tokens are secrets
and are redacted; the body is kept as received (text, or base64 when it is not UTF-8), so a
reconcile or a bug fix can replay it through the adapter later.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from journeysync.errors import DuplicateConflictError
from journeysync.vendors.base import WebhookRequest

REDACTED = "[redacted]"
_SECRET_HEADER_WORDS = ("signature", "hmac", "authorization", "cookie", "token", "secret")


# S3's answers to a conditional PUT whose key exists (412), or that raced another one (409)
_EXISTS = ("PreconditionFailed", "ConditionalRequestConflict")


def archive_key(vendor: str, vendor_event_id: str) -> str:
    digest = hashlib.sha256(f"{vendor}|{vendor_event_id}".encode()).hexdigest()[:40]
    return f"raw/{vendor}/{digest}.json"


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


def put_archive(s3: Any, bucket: str, key: str, document: bytes, fingerprint: str = "") -> bool:
    """Store a delivery once: True if this call stored it, False if the same delivery already was.

    S3 acknowledges only once the object is durably stored. A redelivery finds its object and is
    told apart from a conflict by the fingerprint stored beside it (one HEAD, only on redelivery);
    a different fingerprint raises DuplicateConflictError. A PUT racing another for the same key
    (S3's 409) is treated like an existing object: the head tells which of the two it is.
    """
    from botocore.exceptions import ClientError

    try:
        s3.put_object(Bucket=bucket, Key=key, Body=document, ContentType="application/json",
                      IfNoneMatch="*", Metadata={"fingerprint": fingerprint})
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _EXISTS:
            raise
    stored = s3.head_object(Bucket=bucket, Key=key).get("Metadata", {}).get("fingerprint", "")
    if stored != fingerprint:
        raise DuplicateConflictError(f"{key}: same id, different content")
    return False
