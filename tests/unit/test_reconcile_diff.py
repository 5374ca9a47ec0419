"""The streaming diff: each drift class, partition independence, and nothing held whole."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from journeysync.reconcile.diff import Actual, DiffStats, Expected, classify, diff_streams

MEMBER = Expected("a@x.org", "c1", ("members",), subscribed=True, must_exist=True)


def test_a_contact_the_profile_requires_but_the_destination_lacks_is_missing() -> None:
    assert classify(MEMBER, None) == "missing"
    assert classify(Expected("a@x.org", "c1"), None) is None  # never consented: not created, not missing


def test_a_stranger_that_would_receive_mail_is_extra_but_an_unsubscribed_one_is_kept() -> None:
    assert classify(None, Actual("s@x.org", ("members",), subscribed=True)) == "extra"
    assert classify(None, Actual("s@x.org", (), unsubscribed=True)) is None
    assert classify(None, Actual("s@x.org")) is None


def test_a_destination_side_unsubscribe_the_profile_does_not_know_is_a_consent_mismatch() -> None:
    assert classify(MEMBER, Actual("a@x.org", ("members",), unsubscribed=True)) == "consent_mismatch"


def test_wrong_topics_or_a_suppression_that_did_not_land_are_stale() -> None:
    assert classify(MEMBER, Actual("a@x.org", ("members", "vip"), subscribed=True)) == "stale"
    suppressed = Expected("a@x.org", "c1", (), suppressed=True, must_exist=True)
    assert classify(suppressed, Actual("a@x.org", ("members",), subscribed=True)) == "stale"
    assert classify(suppressed, Actual("a@x.org", ("members",), unsubscribed=True)) is None
    assert classify(MEMBER, Actual("a@x.org", ("members",), subscribed=True)) is None


def test_mailchimp_status_is_compared_only_when_asked() -> None:
    tagged = Actual("a@x.org", ("members",), subscribed=False)
    assert classify(MEMBER, tagged) is None
    assert classify(MEMBER, tagged, check_status=True) == "stale"


def test_records_survive_their_line_encoding() -> None:
    e = Expected("a@x.org", "c1", ("members", "New member"), True, False, True, True)
    a = Actual("a@x.org", ("x y", "z"), True, False, "subscribed")
    assert Expected.decode(e.encode()) == e
    assert Actual.decode(a.encode()) == a


def _world(n: int, seed: int) -> tuple[list[Expected], list[Actual], dict[str, int]]:
    rng = random.Random(seed)
    expected, actual, truth = [], [], {"missing": 0, "extra": 0, "stale": 0, "consent_mismatch": 0}
    for i in range(n):
        email = f"m{i}@x.org"
        e = Expected(email, f"c{i}", ("members",), subscribed=True, must_exist=True)
        expected.append(e)
        roll = rng.random()
        if roll < 0.05:
            truth["missing"] += 1
            continue
        if roll < 0.1:
            actual.append(Actual(email, ("members", "vip"), subscribed=True))
            truth["stale"] += 1
        elif roll < 0.15:
            actual.append(Actual(email, ("members",), unsubscribed=True))
            truth["consent_mismatch"] += 1
        else:
            actual.append(Actual(email, ("members",), subscribed=True))
    for j in range(n // 20):
        actual.append(Actual(f"stranger{j}@y.org", ("members",), subscribed=True))
        truth["extra"] += 1
    rng.shuffle(actual)
    return expected, actual, truth


def test_the_diff_finds_every_class_in_any_order_and_any_partitioning() -> None:
    expected, actual, truth = _world(3000, seed=7)
    for partitions in (1, 7, 64):
        stats = DiffStats()
        found = list(diff_streams(iter(expected), iter(actual), partitions=partitions, stats=stats))
        assert dict(stats.drift) == {k: v for k, v in truth.items() if v}
        assert len(found) == sum(truth.values())
        assert stats.expected == len(expected) and stats.actual == len(actual)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=16), st.integers(0, 2**16))
def test_partitioning_never_changes_the_answer(n: int, partitions: int, seed: int) -> None:
    expected, actual, truth = _world(n, seed)
    stats = DiffStats()
    kinds = sorted(d.kind for d in diff_streams(expected, actual, partitions=partitions, stats=stats))
    assert kinds == sorted(k for k, v in truth.items() for _ in range(v))


def test_the_inputs_are_consumed_as_streams_once() -> None:
    consumed = []

    def gen() -> object:
        for i in range(100):
            consumed.append(i)
            yield Expected(f"m{i}@x.org", f"c{i}", (), True, False, True)

    drifts = diff_streams(gen(), iter(()), partitions=4)  # type: ignore[arg-type]
    assert consumed == []  # lazy until read
    assert sum(1 for _ in drifts) == 100
    assert consumed == list(range(100))
