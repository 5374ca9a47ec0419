"""Alerts and rating links against the moto server: stored once, claimed once, replays and floods refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from journeysync.alerts import survey, tokens
from journeysync.alerts.listing import count_alerts
from journeysync.alerts.model import Alert
from journeysync.alerts.store import AlertStore
from journeysync.config.loader import load_config
from journeysync.models.customer import Customer, Identity
from tests.conftest import AwsResources

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
KEY = "integration-key"


def _alert(**over: Any) -> Alert:
    base: dict[str, Any] = dict(
        id="a1", customer_id="c1", response_id="r1", scale="nps", score=3, sentiment="detractor", team="membership",
        assignee="membership@riverside-museum.example", created_at=NOW, updated_at=NOW,
        sla_due_at=NOW + timedelta(hours=24),
    )
    return Alert(**{**base, **over})


def _deps(aws: AwsResources, sent: list[Any], **over: Any) -> survey.PageDeps:
    customer = Customer(customer_id="c1", identity=Identity(emails=["ann@example.org"]))
    return survey.PageDeps(
        secret=KEY, routing=load_config().routing, alerts=AlertStore(aws.table, aws.client("dynamodb")),
        resolve_customer=lambda cid: customer if cid == "c1" else None, send=sent.extend, **over,
    )


def test_an_alert_is_stored_once_and_claimed_once(aws: AwsResources) -> None:
    store = AlertStore(aws.table, aws.client("dynamodb"))
    assert store.create(_alert()) is True
    assert store.create(_alert()) is False  # a redelivery
    deps = _deps(aws, [])
    link = tokens.sign(KEY, "claim", "a1", now=NOW, ttl_seconds=600, extra={"c": "c1", "w": "lead@x.example"})
    first = survey.staff_action(deps, "claim", link, NOW)
    second = survey.staff_action(deps, "claim", link, NOW)
    assert (first.status, second.status) == (200, 409)
    stored = store.get("c1", "a1")
    assert stored is not None and (stored.status, stored.claimed_by) == ("claimed", "lead@x.example")
    resolve = tokens.sign(KEY, "resolve", "a1", now=NOW, ttl_seconds=600, extra={"c": "c1", "w": "lead@x.example"})
    assert survey.staff_action(deps, "resolve", resolve, NOW).status == 200
    assert count_alerts(aws.table, aws.client("dynamodb"))["resolved"] == 1
    assert survey.staff_action(deps, "claim", link.replace(".", ".x", 1), NOW).status == 403


def test_the_escalator_reads_only_open_alerts_whose_sla_is_due(aws: AwsResources) -> None:
    store = AlertStore(aws.table, aws.client("dynamodb"))
    store.create(_alert(id="due", sla_due_at=NOW - timedelta(minutes=5)))
    store.create(_alert(id="later", sla_due_at=NOW + timedelta(hours=1)))
    assert [a.id for a in store.by_status("open", due_before=NOW)] == ["due"]


def test_a_rating_link_records_a_score_then_a_comment_on_the_same_response(aws: AwsResources) -> None:
    sent: list[Any] = []
    deps = _deps(aws, sent)
    link = tokens.sign(KEY, "rate", "c1", now=NOW, ttl_seconds=3600, extra={"t": "visit", "sc": "nps"})
    assert survey.rate(deps, link, "4", NOW).status == 200
    assert survey.comment(deps, link, "too cold", NOW + timedelta(seconds=5)).status == 200
    assert [(e.data.score, e.data.comment) for e in sent] == [(4, None), (4, "too cold")]
    assert len({e.data.response_id for e in sent}) == 1 and len({e.id for e in sent}) == 2
    assert sent[0].identity.emails == ("ann@example.org",)


def test_a_replayed_link_after_the_edit_window_gets_403_and_a_flood_429(aws: AwsResources) -> None:
    sent: list[Any] = []
    deps = _deps(aws, sent, edit_window_seconds=60, max_token_uses=3)
    link = tokens.sign(KEY, "rate", "c1", now=NOW, ttl_seconds=3600, extra={"t": "visit", "sc": "nps"})
    assert survey.rate(deps, link, "2", NOW).status == 200
    assert survey.rate(deps, link, "2", NOW + timedelta(minutes=5)).status == 403  # replayed
    flood = tokens.sign(KEY, "rate", "c1", now=NOW, ttl_seconds=3600, extra={"t": "visit", "sc": "nps"})
    statuses = [survey.rate(deps, flood, "5", NOW).status for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    expired = tokens.sign(KEY, "rate", "c1", now=NOW - timedelta(days=40), ttl_seconds=86400)
    assert survey.rate(deps, expired, "5", NOW).status == 403
    assert survey.rate(deps, link, "12", NOW).status == 400
    forgotten = tokens.sign(KEY, "rate", "gone", now=NOW, ttl_seconds=3600, extra={"sc": "nps"})
    page = survey.rate(deps, forgotten, "5", NOW)
    assert page.status == 403 and page.html() == survey.pages.FORBIDDEN.html()  # reveals nothing
    assert len(sent) == 4


def test_rapid_gets_of_every_link_change_nothing_then_one_tap_records_once(aws: AwsResources) -> None:
    """What a link-scanning mail gateway does: fetch each of an email's links, fast, more than once."""
    sent: list[Any] = []
    deps = _deps(aws, sent, max_token_uses=3)
    store = AlertStore(aws.table, aws.client("dynamodb"))
    store.create(_alert())
    link = tokens.sign(KEY, "rate", "c1", now=NOW, ttl_seconds=3600, extra={"t": "visit", "sc": "nps"})
    claim = tokens.sign(KEY, "claim", "a1", now=NOW, ttl_seconds=600, extra={"c": "c1", "w": "lead@x.example"})
    resolve = tokens.sign(KEY, "resolve", "a1", now=NOW, ttl_seconds=600, extra={"c": "c1", "w": "lead@x.example"})
    for _ in range(5):
        pages = [survey.confirm_rating(deps, link, str(score), NOW) for score in range(11)]
        pages += [survey.staff_confirm(deps, "claim", claim, NOW), survey.staff_confirm(deps, "resolve", resolve, NOW)]
        assert {p.status for p in pages} == {200} and all(p.form is not None for p in pages)
    assert sent == []
    stored = store.get("c1", "a1")
    assert stored is not None and (stored.status, stored.version) == ("open", 1)
    # the customer's own tap (the page's POST) is still honoured, once, and is not rate-limited by the scan
    assert survey.rate(deps, link, "7", NOW).status == 200
    assert [e.data.score for e in sent] == [7]
