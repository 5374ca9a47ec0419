"""Signed, expiring link tokens: `<base64url(json payload)>.<base64url(hmac-sha256)>`.

A token is a capability: whoever holds the link may use it, so it carries only ids
(customer id, alert id, touchpoint), never an address or a name, and it is signed with
a secret from Secrets Manager. `purpose` is signed too, so a rating token can never
be used as a claim token. Verification is constant-time and says nothing about *why*
a token failed to the caller's user (the page is the same 403); the reason is for logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Purpose = Literal["rate", "claim", "resolve", "team"]
MAX_TOKEN_LENGTH = 1024


class TokenError(Exception):
    """A token that must not be honoured; `reason` is for logs only (forged, expired, malformed)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Token:
    purpose: Purpose
    subject: str  # customer id (rate), alert id (claim/resolve) or team name (team: the staff page)
    expires_at: int  # unix seconds
    nonce: str
    extra: dict[str, str]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _unb64(text: str) -> bytes:
    """Strict unpadded base64url: one spelling per byte string, so no altered token still verifies."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:  # non-zero padding bits: another spelling of the same bytes
        raise ValueError("not canonical base64url")
    return data


def _mac(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()


def sign(
    secret: str,
    purpose: Purpose,
    subject: str,
    *,
    now: datetime,
    ttl_seconds: int,
    extra: dict[str, str] | None = None,
    nonce: str | None = None,
) -> str:
    """A token for `purpose` about `subject`, valid for `ttl_seconds` from `now`."""
    if not secret.strip():
        raise ValueError("an empty signing secret would make every token forgeable")
    body: dict[str, Any] = {
        "p": purpose,
        "s": subject,
        "e": int(now.timestamp()) + int(ttl_seconds),
        "n": nonce or secrets.token_urlsafe(9),
    }
    if extra:
        body["x"] = dict(sorted(extra.items()))
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_b64(_mac(secret, payload))}"


def verify(secret: str, token: str, purpose: Purpose, *, now: datetime) -> Token:
    """The token's contents if it is genuine, for `purpose` and unexpired; TokenError otherwise."""
    if not secret.strip():
        raise TokenError("no signing secret configured")
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError("malformed")
    payload, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
    except (ValueError, TypeError):
        raise TokenError("malformed") from None
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise TokenError("forged")
    try:
        body = json.loads(_unb64(payload))
        token_purpose, subject, expires, nonce = body["p"], body["s"], int(body["e"]), body["n"]
        extra = {str(k): str(v) for k, v in (body.get("x") or {}).items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise TokenError("malformed") from None
    if token_purpose != purpose:
        raise TokenError("wrong purpose")
    if expires <= int(now.timestamp()):
        raise TokenError("expired")
    return Token(purpose=purpose, subject=str(subject), expires_at=expires, nonce=str(nonce), extra=extra)
