"""Mailchimp specifics: the URL-validation GET, and consent signals that must not be over-trusted."""

from __future__ import annotations

import pytest

from journeysync.vendors import SignatureError, WebhookRequest
from tests.unit.vendor_helpers import SECRET, adapter, parsed


def test_the_validation_get_is_answered_only_with_the_right_token() -> None:
    mc = adapter("mailchimp")
    assert mc.answer_get(WebhookRequest(vendor="mailchimp", body=b"", headers={}, path_token=SECRET), SECRET) == (
        200,
        "ok",
    )
    with pytest.raises(SignatureError):
        mc.answer_get(WebhookRequest(vendor="mailchimp", body=b"", headers={}, path_token="guess"), SECRET)
    with pytest.raises(SignatureError):
        mc.answer_get(WebhookRequest(vendor="mailchimp", body=b"", headers={}), SECRET)


def test_a_subscribe_is_never_an_explicit_opt_in() -> None:
    (event,) = parsed("mailchimp", "subscribe").events
    assert (event.data.status, event.data.explicit) == ("subscribed", False)  # type: ignore[union-attr]


def test_a_redelivered_body_is_the_same_delivery_and_a_different_body_is_not() -> None:
    first, again = parsed("mailchimp", "unsubscribe"), parsed("mailchimp", "unsubscribe")
    other = parsed("mailchimp", "unsubscribe-abuse")
    assert first.vendor_event_id == again.vendor_event_id != other.vendor_event_id
