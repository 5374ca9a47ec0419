"""Delighted (surveys): scores, the comment that follows them, and survey unsubscribes.

Signature: `X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with
the project's private API key. A response arrives twice: `survey_response.created` with the
score, then `survey_response.updated` when the comment is added. Both carry the same
`response_id` (Delighted's response id) so downstream updates one response, but distinct
event ids (keyed on Delighted's `event_id`) so the update is not deduped away as a repeat.

`unsubscribe.created` means the person asked Delighted to stop surveying them; journeysync has
one email-marketing consent channel, and honouring an opt-out wider than asked is the safe
direction (consent is sacred), so it is recorded as an explicit unsubscribe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from journeysync.models.events import ConsentChanged, SurveyResponded
from journeysync.vendors._common import (
    event,
    first_time,
    hex_hmac,
    identity,
    integer,
    model,
    obj,
    opt_obj,
    opt_str,
    text,
    verify_prefixed,
)
from journeysync.vendors.base import ParseContext, Parsed, VendorAdapter, WebhookRequest

SIGNATURE_HEADER = "x-delighted-webhook-signature"
SCALES: dict[str, Literal["nps", "csat", "stars"]] = {"nps": "nps", "enps": "nps", "csat": "csat", "stars": "stars"}


def sign(secret: str, body: bytes) -> str:
    return f"sha256={hex_hmac(secret, body)}"


class DelightedAdapter(VendorAdapter):
    name = "delighted"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_prefixed(request, SIGNATURE_HEADER, sign(secret, request.body))

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, body)}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        doc = request.json_object()
        kind = text(doc, "event_type", "event_type")
        delivery = text(doc, "event_id", "event_id")
        data = obj(doc, "event_data", "event_data")
        region = ctx.catalogue.default_region
        if kind in ("survey_response.created", "survey_response.updated"):
            return self._response(kind, delivery, data, region, request.received_at)
        if kind == "unsubscribe.created":
            person = opt_obj(data, "person", "event_data.person") or data
            ident = identity(
                emails=[person.get("email")],
                phones=[person.get("phone_number")],
                external={"delighted": opt_str(person, "id") or opt_str(data, "person_id")},
                region=region,
            )
            if not ident.emails:
                return Parsed(vendor_event_id=delivery, ignored="an unsubscribe without an email", event_type=kind)
            time = first_time(data, ("unsubscribed_at", "created_at"), "event_data", fallback=request.received_at)
            consent = ConsentChanged(status="unsubscribed", explicit=True, reason="delighted unsubscribe")
            made = event(
                source=self.name,
                key=f"event:{delivery}",
                part="",
                delivery_id=delivery,
                time=time,
                data=consent,
                ident=ident,
            )
            return Parsed(vendor_event_id=delivery, events=[made], event_type=kind)
        return Parsed(vendor_event_id=delivery, ignored=f"delighted {kind} is not used", event_type=kind)

    def _response(self, kind: str, delivery: str, data: dict[str, Any], region: str, received: datetime) -> Parsed:
        response_id = text(data, "id", "event_data.id")
        survey_type = opt_str(data, "survey_type") or "nps"
        scale = SCALES.get(survey_type)
        if scale is None:
            return Parsed(
                vendor_event_id=delivery, ignored=f"delighted {survey_type} scores have no scale here", event_type=kind
            )
        person = opt_obj(data, "person", "event_data.person")
        props = {
            **opt_obj(data, "properties", "event_data.properties"),
            **opt_obj(data, "person_properties", "event_data.person_properties"),
        }
        ident = identity(
            emails=[person.get("email")],
            phones=[person.get("phone_number")],
            external={"delighted": opt_str(person, "id") or opt_str(data, "person")},
            region=region,
        )
        survey = model(
            SurveyResponded,
            "event_data",
            response_id=response_id,
            scale=scale,
            score=integer(data.get("score"), "event_data.score"),
            comment=opt_str(data, "comment"),
            touchpoint=_prop(props, "touchpoint", "Touchpoint") or "general",
            location=_prop(props, "location", "Location"),
            survey_ref=f"delighted:{survey_type}",
            permalink=opt_str(data, "permalink"),
        )
        keys = ("updated_at", "created_at") if kind.endswith("updated") else ("created_at", "updated_at")
        time = first_time(data, keys, "event_data", fallback=received)
        made = event(
            source=self.name,
            key=f"event:{delivery}",
            part="",
            delivery_id=delivery,
            time=time,
            data=survey,
            ident=ident,
        )
        return Parsed(vendor_event_id=delivery, events=[made], event_type=kind)


def _prop(props: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = opt_str(props, name)
        if value:
            return value
    return None
