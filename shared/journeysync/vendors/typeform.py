"""Typeform (surveys): a submitted form becomes one survey.responded, mapped by the form's config.

Signature: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>` with the webhook's
secret. Typeform sends unsigned deliveries when no secret is set, and anyone can post those,
so an unsigned delivery is rejected like a wrong one. Where the score, email and comment sit
depends on how the form was built: `catalogue.forms[form_id]` names them by `field.ref`
(stable across form edits, unlike titles). A form we have no map for is acknowledged and
ignored, so adding a form in Typeform never makes deliveries fail. The response's `token` is
its id: a redelivery of the same response collapses downstream.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeysync.errors import BadInputError
from journeysync.models.events import SurveyResponded
from journeysync.vendors._common import (
    b64_hmac,
    event,
    first_time,
    identity,
    integer,
    model,
    obj,
    opt_list,
    opt_obj,
    opt_str,
    text,
    verify_prefixed,
)
from journeysync.vendors.base import ParseContext, Parsed, VendorAdapter, WebhookRequest

SIGNATURE_HEADER = "typeform-signature"


def sign(secret: str, body: bytes) -> str:
    return f"sha256={b64_hmac(secret, body)}"


class TypeformAdapter(VendorAdapter):
    name = "typeform"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_prefixed(request, SIGNATURE_HEADER, sign(secret, request.body))

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, body)}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        doc = request.json_object()
        delivery = text(doc, "event_id", "event_id")
        kind = text(doc, "event_type", "event_type")
        if kind != "form_response":
            return Parsed(vendor_event_id=delivery, ignored=f"typeform {kind} is not used", event_type=kind)
        response = obj(doc, "form_response", "form_response")
        form_id = text(response, "form_id", "form_response.form_id")
        token = text(response, "token", "form_response.token")
        form = ctx.catalogue.forms.get(form_id)
        if form is None:
            return Parsed(
                vendor_event_id=delivery, ignored=f"typeform form {form_id} has no field map", event_type=kind
            )
        answers = _answers_by_ref(response)
        raw_score = answers.get(form.score_ref)
        if raw_score is None:
            return Parsed(vendor_event_id=delivery, ignored="the score question was not answered", event_type=kind)
        score_field = f"form_response.answers[{form.score_ref}]"
        hidden = opt_obj(response, "hidden", "form_response.hidden")
        # what the respondent typed is `typed`; hidden fields are in the form's public URL: `url`
        region = ctx.catalogue.default_region
        typed = identity(
            emails=[_answer(answers, form.email_ref)], phones=[_answer(answers, form.phone_ref)], region=region,
            email_trust="typed",
        )
        from_url = identity(
            emails=[_hidden(hidden, form.hidden.email)], external={"journeysync": _hidden(hidden, form.hidden.customer_id)},
            region=region, email_trust="url", external_trust="url",
        )
        ident = typed.union(from_url)
        data = model(
            SurveyResponded,
            score_field,
            response_id=token,
            scale=form.scale,
            score=integer(raw_score, score_field),
            comment=_answer(answers, form.comment_ref),
            touchpoint=_hidden(hidden, form.hidden.touchpoint) or form.touchpoint,
            location=_hidden(hidden, form.hidden.location) or form.location,
            survey_ref=form_id,
        )
        time = first_time(response, ("submitted_at", "landed_at"), "form_response", fallback=request.received_at)
        made = event(
            source=self.name, key=f"response:{token}", part="", delivery_id=delivery, time=time, data=data, ident=ident
        )
        return Parsed(vendor_event_id=delivery, events=[made], event_type=kind)


def _answer(answers: dict[str, Any], ref: str | None) -> str | None:
    return _str(answers.get(ref)) if ref else None


def _answers_by_ref(response: dict[str, Any]) -> dict[str, Any]:
    """field.ref → the answer's value, whatever its type (number, text, email, choice…)."""
    found: dict[str, Any] = {}
    for index, answer in enumerate(opt_list(response, "answers", "form_response.answers")):
        if not isinstance(answer, dict):
            raise BadInputError("must be an object", field=f"form_response.answers.{index}")
        ref = opt_str(opt_obj(answer, "field", f"form_response.answers.{index}.field"), "ref")
        kind = opt_str(answer, "type")
        if ref is None or kind is None:
            continue
        value = answer.get(kind)
        if kind == "choice" and isinstance(value, dict):
            value = value.get("label")
        found[ref] = value
    return found


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _hidden(hidden: dict[str, Any], name: str | None) -> str | None:
    return _str(hidden.get(name)) if name else None
