"""Mailchimp audience webhooks: the email platform telling us what its members did.

Mailchimp signs nothing: the endpoint is authenticated by a secret path token
(`/webhooks/mailchimp/{token}`), and Mailchimp validates the URL with a GET before it saves
the webhook, which `answer_get` answers. Bodies are form-encoded (`type`, `fired_at`,
`data[email]`, `data[merges][FNAME]`, …) and carry no event id, so the delivery is identified
by the sha256 of the body (a retry is byte-identical).

Consent is sacred, in both directions: an `unsubscribe` is the member's own act (explicit;
`reason=abuse` is a spam complaint), a `cleaned` address bounced (a fact, not a choice), and a
`subscribe` may well be the echo of our own sync, so it is never an explicit opt-in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from journeysync.errors import BadInputError
from journeysync.models.events import ConsentChanged, CustomerEvent, CustomerUpdated
from journeysync.vendors._common import clean_email, event, identity, when
from journeysync.vendors.base import ParseContext, Parsed, SignatureError, VendorAdapter, WebhookRequest, same

MAX_FIELDS = 500


class MailchimpAdapter(VendorAdapter):
    name = "mailchimp"
    secret_kind = "path_token"  # noqa: S105 - a mode name, not a secret
    content_type = "application/x-www-form-urlencoded"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        if not request.path_token:
            raise SignatureError("missing path token")
        same(secret, request.path_token)

    def answer_get(self, request: WebhookRequest, secret: str) -> tuple[int, str] | None:
        self.verify(request, secret)
        return 200, "ok"

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        form = _form(request.body)
        kind = form.get("type")
        if not kind:
            raise BadInputError("Field required", field="type")
        delivery = f"mc-{hashlib.sha256(request.body).hexdigest()[:40]}"
        if kind not in ("unsubscribe", "cleaned", "profile", "upemail", "subscribe"):
            return Parsed(vendor_event_id=delivery, ignored=f"mailchimp {kind} is not used", event_type=kind)
        fired = form.get("fired_at")
        time = when(fired, "fired_at") if fired else request.received_at
        region = ctx.catalogue.default_region
        made = _events(kind, form, delivery, time, region)
        return Parsed(vendor_event_id=delivery, events=made, event_type=kind)


def _events(kind: str, form: dict[str, str], delivery: str, time: datetime, region: str) -> list[CustomerEvent]:
    common: dict[str, Any] = {"source": "mailchimp", "key": delivery, "part": "", "delivery_id": delivery, "time": time}
    if kind == "upemail":
        new, old = _email(form, "data[new_email]"), _email(form, "data[old_email]")
        profile = CustomerUpdated(previous_email=old)
        return [event(data=profile, ident=identity(emails=[new], region=region), **common)]
    email = _email(form, "data[email]")
    ident = identity(emails=[email], phones=[form.get("data[merges][PHONE]")], region=region)
    reason = form.get("data[reason]") or None
    data: Any
    if kind == "unsubscribe":
        status = "complained" if reason == "abuse" else "unsubscribed"
        data = ConsentChanged(status=status, explicit=True, reason=_reason("unsubscribe", reason))
    elif kind == "cleaned":
        data = ConsentChanged(status="cleaned", explicit=False, reason=_reason("cleaned", reason))
    elif kind == "subscribe":
        data = ConsentChanged(status="subscribed", explicit=False, reason="mailchimp subscribe (may echo our sync)")
    else:
        data = CustomerUpdated(
            given_name=form.get("data[merges][FNAME]") or None, family_name=form.get("data[merges][LNAME]") or None
        )
    return [event(data=data, ident=ident, **common)]


def _form(body: bytes) -> dict[str, str]:
    try:
        raw = body.decode("utf-8")
        pairs = parse_qsl(raw, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadInputError("body is not a form-encoded Mailchimp webhook", field="body") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value.strip())
    return form


def _email(form: dict[str, str], key: str) -> str:
    value = clean_email(form.get(key))
    if value is None:
        raise BadInputError("Field required" if not form.get(key) else "not an email address", field=key)
    return value


def _reason(kind: str, reason: str | None) -> str:
    return f"mailchimp {kind}" + (f" ({reason[:40]})" if reason else "")
