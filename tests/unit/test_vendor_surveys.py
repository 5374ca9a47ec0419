"""Survey vendors (Typeform, Delighted): field maps, one response updated in place, bad identity dropped."""

from __future__ import annotations

import json

import pytest

from journeysync.errors import BadInputError
from tests.events import load_sample
from tests.unit.vendor_helpers import parsed


def test_delighted_created_and_updated_share_the_response_but_not_the_event_id() -> None:
    created = parsed("delighted", "survey-response-created").events[0]
    updated = parsed("delighted", "survey-response-updated").events[0]
    assert created.data.response_id == updated.data.response_id == "5435"  # type: ignore[union-attr]
    assert created.id != updated.id
    assert updated.data.comment and updated.time > created.time  # type: ignore[union-attr]


def test_delighted_scores_without_a_scale_here_are_ignored() -> None:
    doc = load_sample("delighted", "survey-response-created").json()
    doc["event_data"]["survey_type"] = "thumbs"
    assert parsed("delighted", "survey-response-created", json.dumps(doc).encode()).ignored


def test_a_score_off_the_scale_is_bad_input() -> None:
    doc = load_sample("delighted", "survey-response-created").json()
    doc["event_data"]["score"] = 11
    with pytest.raises(BadInputError) as exc:
        parsed("delighted", "survey-response-created", json.dumps(doc).encode())
    assert exc.value.field and exc.value.field.startswith("event_data")


def test_typeform_drops_an_invalid_email_but_keeps_the_response() -> None:
    doc = load_sample("typeform", "form-response-visit").json()
    doc["form_response"]["answers"][2]["email"] = "not-an-email"
    doc["form_response"]["answers"][3]["phone_number"] = "12"
    event = parsed("typeform", "form-response-visit", json.dumps(doc).encode()).events[0]
    assert event.identity.emails == () and event.identity.phones == ()
    assert event.identity.external == {"journeysync": "cus_7f3a"}
    assert event.data.score == 9  # type: ignore[union-attr]


def test_typeform_hidden_email_is_used_when_the_form_asks_for_none() -> None:
    doc = load_sample("typeform", "form-response-visit").json()
    del doc["form_response"]["answers"][2]
    doc["form_response"]["hidden"]["email"] = "hidden@example.com"
    event = parsed("typeform", "form-response-visit", json.dumps(doc).encode()).events[0]
    assert event.identity.emails == ("hidden@example.com",)


def test_typeform_unanswered_score_is_ignored_not_failed() -> None:
    doc = load_sample("typeform", "form-response-visit").json()
    del doc["form_response"]["answers"][0]
    assert parsed("typeform", "form-response-visit", json.dumps(doc).encode()).ignored


def test_typeform_unsigned_delivery_is_rejected() -> None:
    from journeysync.vendors import SignatureError, WebhookRequest
    from tests.unit.vendor_helpers import SECRET, adapter

    sample = load_sample("typeform", "form-response-visit")
    with pytest.raises(SignatureError):
        adapter("typeform").verify(WebhookRequest(vendor="typeform", body=sample.body, headers={}), SECRET)
