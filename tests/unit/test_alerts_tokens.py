"""Signed link tokens: genuine ones verify; forged, tampered, expired or re-purposed ones never do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeysync.alerts import tokens
from journeysync.alerts.links import rating_links
from journeysync.config.routing import RoutingConfig

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
KEY = "k" * 32


def test_a_signed_token_verifies_and_carries_its_bindings() -> None:
    text = tokens.sign(KEY, "rate", "cust-1", now=NOW, ttl_seconds=60, extra={"t": "visit", "sc": "nps"})
    token = tokens.verify(KEY, text, "rate", now=NOW + timedelta(seconds=59))
    assert (token.subject, token.extra) == ("cust-1", {"sc": "nps", "t": "visit"})


def test_an_expired_token_is_refused() -> None:
    text = tokens.sign(KEY, "rate", "cust-1", now=NOW, ttl_seconds=60)
    with pytest.raises(tokens.TokenError, match="expired"):
        tokens.verify(KEY, text, "rate", now=NOW + timedelta(seconds=60))


def test_a_token_signed_with_another_key_is_forged() -> None:
    text = tokens.sign("other-key", "rate", "cust-1", now=NOW, ttl_seconds=60)
    with pytest.raises(tokens.TokenError, match="forged"):
        tokens.verify(KEY, text, "rate", now=NOW)


def test_a_rating_token_is_no_claim_token() -> None:
    text = tokens.sign(KEY, "rate", "alert-1", now=NOW, ttl_seconds=60)
    with pytest.raises(tokens.TokenError, match="wrong purpose"):
        tokens.verify(KEY, text, "claim", now=NOW)


def test_without_a_secret_nothing_is_signed_or_accepted() -> None:
    with pytest.raises(ValueError):
        tokens.sign("", "rate", "c", now=NOW, ttl_seconds=60)
    text = tokens.sign(KEY, "rate", "c", now=NOW, ttl_seconds=60)
    with pytest.raises(tokens.TokenError):
        tokens.verify("", text, "rate", now=NOW)


@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=0, max_value=400), char=st.sampled_from("AQgw_-.=x0"))
def test_any_tampered_byte_is_refused(position: int, char: str) -> None:
    text = tokens.sign(KEY, "claim", "alert-1", now=NOW, ttl_seconds=600, extra={"c": "cust", "w": "a@b.example"})
    i = position % len(text)
    tampered = text[:i] + char + text[i + 1 :]
    if tampered == text:
        return
    with pytest.raises(tokens.TokenError):
        tokens.verify(KEY, tampered, "claim", now=NOW)


@settings(max_examples=100, deadline=None)
@given(garbage=st.text(max_size=300))
def test_garbage_is_refused_never_crashes(garbage: str) -> None:
    with pytest.raises(tokens.TokenError):
        tokens.verify(KEY, garbage, "rate", now=NOW)


def test_rating_links_cover_the_scale_with_one_token() -> None:
    urls = rating_links(KEY, "https://x.example/", customer_id="c", touchpoint="visit", config=RoutingConfig(),
                        now=NOW, scale="csat")
    assert sorted(urls) == [1, 2, 3, 4, 5]
    assert len({u.split("?")[0] for u in urls.values()}) == 1
    assert urls[4].startswith("https://x.example/survey/") and urls[4].endswith("?score=4")
