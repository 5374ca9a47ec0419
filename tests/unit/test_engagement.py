"""Engagement signals, the per-member fold, contact pressure and the Mailchimp Reports pull."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from journeysync.config.engagement import EngagementConfig, PressureConfig
from journeysync.config.segments import SegmentsConfig
from journeysync.destinations.mailchimp import MailchimpClient
from journeysync.engagement.fold import apply_signals, best_hour, hour_of_week
from journeysync.engagement.ingest import ingest
from journeysync.engagement.mailchimp_pull import Cursor, pull
from journeysync.engagement.model import EngagementState, SendRecord
from journeysync.engagement.pressure import Want, allocate, pressure_ok
from journeysync.engagement.signals import Signal, from_ses, signal_id
from journeysync.errors import BadInputError
from journeysync.identity import IdentityKey

EVENTS = Path(__file__).resolve().parents[1] / "events"
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _ses(name: str) -> dict:
    return json.loads((EVENTS / "ses" / f"{name}.json").read_text())


def _open(at: datetime, n: int = 0, email: str = "ann@example.com") -> Signal:
    return Signal(signal_id("t", str(n), at.isoformat()), "open", email, at, "ses", f"m{n}")


def test_ses_complaint_is_a_suppressing_signal_for_the_normalised_address() -> None:
    [signal] = from_ses(_ses("complaint"))
    assert (signal.kind, signal.email, signal.division, signal.campaign) == (
        "complaint", "ann@example.com", "museum", "museum-2026-48")
    assert signal.suppresses
    assert signal.at == datetime(2026, 11, 30, 19, 4, 58, tzinfo=UTC)


def test_a_hard_bounce_suppresses_and_a_soft_one_does_not() -> None:
    event = _ses("bounce")
    [hard] = from_ses(event)
    assert hard.suppresses and hard.permanent
    event["detail"]["bounce"]["bounceType"] = "Transient"
    [soft] = from_ses(event)
    assert not soft.suppresses


def test_an_ses_event_without_a_message_id_names_the_field() -> None:
    event = _ses("open")
    del event["detail"]["mail"]["messageId"]
    with pytest.raises(BadInputError) as err:
        from_ses(event)
    assert err.value.field == "detail.mail.messageId"


def test_a_redelivered_open_is_counted_once() -> None:
    state = EngagementState(customer_id="c1")
    [signal] = from_ses(_ses("open"))
    assert apply_signals(state, [signal], LONDON, 1, NOW)
    assert not apply_signals(state, [signal], LONDON, 1, NOW)
    assert state.opens == 1 and sum(state.hour_of_week) == 1


def test_best_send_hour_is_local_time_and_needs_enough_events() -> None:
    state = EngagementState(customer_id="c1")
    summer = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)  # 19:30 in London (BST)
    apply_signals(state, [_open(summer, 1), _open(summer, 2)], LONDON, 3, NOW)
    assert state.best_send_hour is None
    apply_signals(state, [_open(summer, 3)], LONDON, 3, NOW)
    assert state.best_send_hour == 19
    assert state.hour_of_week[hour_of_week(summer, LONDON)] == 3


@given(st.lists(st.integers(min_value=0, max_value=167), min_size=1, max_size=60))
@settings(max_examples=200, deadline=None)
def test_best_hour_is_an_hour_with_the_most_engagement_whatever_the_order(hours: list[int]) -> None:
    histogram = [0] * 168
    for h in hours:
        histogram[h] += 1
    by_hour = [sum(histogram[d * 24 + h] for d in range(7)) for h in range(24)]
    best = best_hour(histogram, 1)
    assert best is not None and by_hour[best] == max(by_hour)
    assert best_hour(list(reversed(histogram)), 1) is not None


def test_the_senders_reservation_and_the_ses_send_event_are_one_send() -> None:
    state = EngagementState(customer_id="c1", sends=[SendRecord(key="museum-w1", at=NOW, division="museum")])
    event = Signal("s1", "send", "ann@example.com", NOW, "ses", "ses-msg-1", division="museum", campaign="museum-w1")
    apply_signals(state, [event], LONDON, 3, NOW)
    assert len(state.sends) == 1


@given(
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=6),
    st.lists(st.sampled_from(["museum", "cinema", "development", "shop"]), min_size=1, max_size=6, unique=True),
)
def test_allocation_never_exceeds_the_cap_and_sends_by_priority(cap: int, already: int, divisions: list[str]) -> None:
    config = PressureConfig(cap=cap, priority=("museum", "cinema", "development"))
    state = EngagementState(
        customer_id="c1",
        sends=[SendRecord(key=f"old{i}", at=NOW - timedelta(days=1, hours=i), division="x") for i in range(already)],
    )
    decisions = allocate(state, [Want(f"c-{d}", d) for d in divisions], config, NOW)
    sent = [d.want.division for d in decisions if d.send]
    assert already + len(sent) <= max(cap, already)
    assert len(sent) == min(len(divisions), max(0, cap - already))
    held = [d for d in decisions if not d.send]
    assert all(d.reason for d in held)
    if sent and held:  # everything sent ranks at or before everything held
        assert max(config.rank(s) for s in sent) <= min(config.rank(d.want.division) for d in held)


def test_sends_older_than_the_window_free_the_cap() -> None:
    config = PressureConfig(cap=1, window_days=7)
    state = EngagementState(customer_id="c1", sends=[SendRecord(key="a", at=NOW - timedelta(days=7, minutes=1))])
    assert pressure_ok(state, config, NOW)
    state.sends.append(SendRecord(key="b", at=NOW - timedelta(days=1)))
    assert not pressure_ok(state, config, NOW)


class _Store:
    def __init__(self) -> None:
        self.states: dict[str, EngagementState] = {}

    def update_many(self, mutations):  # type: ignore[no-untyped-def]
        for customer_id, mutate in mutations.items():
            mutate(self.states.setdefault(customer_id, EngagementState(customer_id=customer_id)))
        return {cid: self.states[cid] for cid in mutations}


def test_a_complaint_becomes_an_explicit_complained_consent_event_even_for_an_unknown_address() -> None:
    sent: list = []
    report = ingest(
        from_ses(_ses("complaint")), owners_of=lambda keys: {}, store=_Store(),  # type: ignore[arg-type]
        config=EngagementConfig(), send_events=sent.extend, now=NOW,
    )
    [event] = sent
    assert event.type == "consent.changed"
    assert (event.data.status, event.data.explicit) == ("complained", True)
    assert event.identity.emails == ("ann@example.com",)
    assert event.time == datetime(2026, 11, 30, 19, 4, 58, tzinfo=UTC)
    assert report.unknown_addresses == 1
    again: list = []
    ingest(from_ses(_ses("complaint")), owners_of=lambda keys: {}, store=_Store(),  # type: ignore[arg-type]
           config=EngagementConfig(), send_events=again.extend, now=NOW)
    assert again[0].id == event.id  # a redelivery is deduplicated downstream


MC = "https://us12.api.mailchimp.com/3.0"


class _Cursors:
    def __init__(self) -> None:
        self.saved: list[Cursor] = []

    def load(self) -> Cursor:
        return self.saved[-1] if self.saved else Cursor()

    def save(self, cursor: Cursor) -> None:
        self.saved.append(Cursor(dict(cursor.activity_since), list(cursor.sends_done)))


@responses.activate
def test_mailchimp_pull_reads_sends_once_activity_since_the_cursor_and_pages_by_offset() -> None:
    segments = SegmentsConfig.model_validate({"segments": [
        {"name": "division-cinema", "rule": {"field": "divisions", "op": "contains", "value": "cinema"},
         "destinations": {"ses_topic": "cinema", "mailchimp_tag": "Cinema"}}]})
    responses.get(f"{MC}/lists/L1/segments", json={"segments": [{"id": 42, "name": "Cinema"}], "total_items": 1})
    responses.get(f"{MC}/campaigns", json={"campaigns": [
        {"id": "cmp1", "send_time": "2026-12-01T09:00:00+00:00", "recipients": {"segment_opts": {"saved_segment_id": 42}}}],
        "total_items": 1})
    responses.get(f"{MC}/reports/cmp1/sent-to", json={"sent_to": [
        {"email_address": "ann@example.com", "status": "sent"}, {"email_address": "gone@example.com", "status": "hard"}],
        "total_items": 2})
    page1 = {"emails": [{"email_address": "ann@example.com", "activity": [
        {"action": "open", "timestamp": "2026-12-01T19:10:00+00:00"},
        {"action": "click", "timestamp": "2026-12-01T19:11:00+00:00", "url": "https://x.example"}]}], "total_items": 2}
    page2 = {"emails": [{"email_address": "gone@example.com", "activity": [
        {"action": "bounce", "type": "hard", "timestamp": "2026-12-01T09:00:05+00:00"}]}], "total_items": 2}
    responses.get(f"{MC}/reports/cmp1/email-activity", json=page1,
                  match=[responses.matchers.query_param_matcher({"count": "1000", "offset": "0"})])
    responses.get(f"{MC}/reports/cmp1/email-activity", json=page2,
                  match=[responses.matchers.query_param_matcher({"count": "1000", "offset": "1"})])
    got: list[Signal] = []
    cursors = _Cursors()
    client = MailchimpClient(MC, "key-us12", sleep=lambda s: None)
    report = pull(client, "L1", segments, cursors, got.extend, NOW, 14)  # type: ignore[arg-type]
    assert [(s.kind, s.email, s.division, s.topic) for s in got] == [
        ("send", "ann@example.com", "cinema", "cinema"),
        ("open", "ann@example.com", "cinema", "cinema"),
        ("click", "ann@example.com", "cinema", "cinema"),
        ("bounce", "gone@example.com", "cinema", "cinema"),
    ]
    assert got[-1].suppresses
    assert report.calls == 5
    # the next run asks only for activity since this one, and reads the recipients no more
    responses.replace(responses.GET, f"{MC}/reports/cmp1/email-activity", json={"emails": [], "total_items": 0})
    before = len(responses.calls)
    pull(client, "L1", segments, cursors, got.extend, NOW + timedelta(hours=1), 14)  # type: ignore[arg-type]
    urls = [c.request.url for c in responses.calls[before:]]
    assert not any("sent-to" in u for u in urls)
    assert any("since=2026-12-04T12" in u for u in urls)


@responses.activate
def test_mailchimp_throttling_is_retried_then_handed_back_without_moving_the_cursor() -> None:
    responses.get(f"{MC}/lists/L1/segments", json={"segments": [], "total_items": 0})
    responses.get(f"{MC}/campaigns", status=429, headers={"Retry-After": "120"})
    cursors = _Cursors()
    from journeysync.errors import RetriableError

    with pytest.raises(RetriableError):
        pull(MailchimpClient(MC, "key-us12", sleep=lambda s: None), "L1", SegmentsConfig(), cursors,  # type: ignore[arg-type]
             lambda s: None, NOW, 14)
    assert cursors.saved == []


def test_a_send_time_field_cannot_feed_a_destination_audience() -> None:
    with pytest.raises(ValueError, match="known only at send time"):
        SegmentsConfig.model_validate({"segments": [
            {"name": "ok-to-mail", "rule": {"field": "pressure_ok", "op": "eq", "value": True},
             "destinations": {"ses_topic": "museum"}}]})
    SegmentsConfig.model_validate({"segments": [
        {"name": "ok-to-mail", "rule": {"field": "pressure_ok", "op": "eq", "value": True}}]})


def test_owners_are_looked_up_by_email_key() -> None:
    asked: list = []
    store = _Store()

    def owners(keys):  # type: ignore[no-untyped-def]
        asked.extend(keys)
        return {IdentityKey("email", "ann@example.com"): "c1"}

    report = ingest(from_ses(_ses("open")), owners_of=owners, store=store,  # type: ignore[arg-type]
                    config=EngagementConfig(min_events_for_best_hour=1, timezone="Europe/London"),
                    send_events=lambda e: None, now=NOW)
    assert asked == [IdentityKey("email", "ann@example.com")]
    assert report.best_hours == {"c1": 19}


_SIGNALS = st.builds(
    lambda n, kind, hours: Signal(
        signal_id(str(n), kind, str(hours)), kind, "ann@example.com", NOW - timedelta(hours=hours), "ses", f"m{n}",
        division="museum",
        campaign=f"c{n % 4}",
    ),
    st.integers(min_value=0, max_value=30),
    st.sampled_from(["send", "open", "click", "delivery"]),
    st.integers(min_value=0, max_value=300),
)


@given(st.lists(_SIGNALS, max_size=25), st.randoms(use_true_random=False))
@settings(max_examples=150, deadline=None)
def test_any_order_with_redeliveries_gives_the_same_state(signals: list[Signal], rnd) -> None:  # type: ignore[no-untyped-def]
    unique = list({s.id: s for s in signals}.values())
    shuffled = [*signals, *rnd.sample(signals, len(signals) // 2)]
    rnd.shuffle(shuffled)
    a, b = EngagementState(customer_id="c"), EngagementState(customer_id="c")
    apply_signals(a, unique, LONDON, 2, NOW)
    for s in shuffled:  # one at a time, as separate deliveries would
        apply_signals(b, [s], LONDON, 2, NOW)
    assert (a.opens, a.clicks, a.hour_of_week, a.best_send_hour, a.last_open_at) == (
        b.opens, b.clicks, b.hour_of_week, b.best_send_hour, b.last_open_at)
    assert sorted(s.key for s in a.sends) == sorted(s.key for s in b.sends)
