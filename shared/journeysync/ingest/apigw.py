"""API Gateway HTTP API (payload 2.0) ↔ ingest: the raw bytes a vendor signed, and an answer for every input.

Vendors sign bytes, so the body is recovered exactly (base64-decoded when API Gateway encoded
it). Any failure we did not foresee becomes a 503 with Retry-After — unacknowledged, so the
vendor redelivers — never a 500 and never a stack trace on the wire.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from journeysync.errors import BadInputError
from journeysync.ingest.pipeline import IngestDeps, Reply, handle_webhook
from journeysync.ingest.settings import IngestSettings
from journeysync.vendors.base import WebhookRequest


def request_from_event(event: dict[str, Any], settings: IngestSettings) -> WebhookRequest:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadInputError("body is not valid base64", field="body") from None
    else:
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    params = event.get("pathParameters") or {}
    context = event.get("requestContext") or {}
    vendor = str(params.get("vendor") or "")
    raw_path = str(event.get("rawPath") or "")
    url = f"https://{context.get('domainName') or headers.get('host', '')}{raw_path}"
    if event.get("rawQueryString"):
        url += f"?{event['rawQueryString']}"
    if vendor == "square" and settings.square_notification_url:
        url = settings.square_notification_url
    epoch_ms = context.get("timeEpoch")
    received = datetime.fromtimestamp(epoch_ms / 1000, UTC) if isinstance(epoch_ms, int | float) else datetime.now(UTC)
    return WebhookRequest(
        vendor=vendor,
        body=raw,
        headers=headers,
        url=url,
        path_token=params.get("token"),
        query={str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
        received_at=received,
    )


def serve(event: dict[str, Any], deps: Callable[[], IngestDeps], on_error: Callable[[Exception], None]) -> Reply:
    """The reply for any API Gateway event: never raises."""
    try:
        resolved = deps()
        request = request_from_event(event, resolved.settings)
        method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "POST").upper()
        return handle_webhook(request, resolved, method)
    except BadInputError as exc:
        return Reply(400, {"error": exc.message, "field": exc.field or "body"})
    except Exception as exc:  # the one place every unforeseen failure becomes an answer
        on_error(exc)
        return Reply(503, {"error": "temporarily unable to accept; retry later"}, {"retry-after": "30"})
