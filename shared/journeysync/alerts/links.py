"""Signed links: per-score rating links for emails, claim and resolve links for staff."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from journeysync.alerts import tokens
from journeysync.alerts.model import Alert
from journeysync.alerts.routing import bands
from journeysync.config.routing import RoutingConfig


def rating_links(
    secret: str,
    base_url: str,
    *,
    customer_id: str,
    touchpoint: str,
    config: RoutingConfig,
    now: datetime,
    scale: str = "nps",
    location: str | None = None,
    ttl_days: int = 30,
) -> dict[int, str]:
    """score → URL for one email: one token (binding customer, touchpoint, scale), the score in the query.

    Put all of them in the email (a row of numbers). Opening one only shows a confirm page (mail scanners open
    every link); its one button records the score."""
    b = bands(config, scale)
    extra = {"t": touchpoint, "sc": scale}
    if location:
        extra["l"] = location
    token = tokens.sign(secret, "rate", customer_id, now=now, ttl_seconds=ttl_days * 86400, extra=extra)
    base = base_url.rstrip("/")
    return {score: f"{base}/survey/{token}?score={score}" for score in range(b.min, b.max + 1)}


def staff_link(
    secret: str, base_url: str, action: tokens.Purpose, alert: Alert, recipient: str, *, now: datetime, ttl_days: int
) -> str:
    token = tokens.sign(
        secret, action, alert.id, now=now, ttl_seconds=ttl_days * 86400, extra={"c": alert.customer_id, "w": recipient}
    )
    return f"{base_url.rstrip('/')}/alerts/{action}/{quote(token)}"
