from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from journeysync.consent import fold_consent, may_subscribe
from journeysync.models import ConsentRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _r(status: str, minutes: int, explicit: bool = True, source: str = "test") -> ConsentRecord:
    return ConsentRecord(
        status=status,
        source=source,
        at=T0 + timedelta(minutes=minutes),
        explicit=explicit,  # type: ignore[arg-type]
        event_id=f"{status}-{minutes}-{explicit}",
    )


def test_unsubscribe_then_implicit_subscribe_stays_unsubscribed() -> None:
    consent = fold_consent([_r("unsubscribed", 1), _r("subscribed", 2, explicit=False, source="shopify")])
    assert consent.status == "unsubscribed"
    assert not may_subscribe(consent)


def test_newer_explicit_opt_in_resubscribes() -> None:
    consent = fold_consent([_r("unsubscribed", 1), _r("subscribed", 2, explicit=True, source="preference-link")])
    assert consent.status == "subscribed"
    assert consent.source == "preference-link"


def test_older_explicit_opt_in_does_not_override_a_newer_unsubscribe() -> None:
    assert (
        fold_consent([_r("subscribed", 5), _r("unsubscribed", 3), _r("cleaned", 4, explicit=False)]).status
        == "subscribed"
    )
    assert fold_consent([_r("subscribed", 1), _r("complained", 9, explicit=False)]).status == "complained"


def test_implicit_subscribe_counts_when_nothing_is_known() -> None:
    assert fold_consent([_r("subscribed", 1, explicit=False)]).status == "subscribed"
    assert fold_consent([]).status == "unknown"


records = st.builds(
    _r,
    st.sampled_from(["subscribed", "unsubscribed", "cleaned", "complained", "pending"]),
    st.integers(0, 50),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(records, max_size=12), st.randoms(use_true_random=False))
def test_effective_consent_does_not_depend_on_arrival_order(ledger: list[ConsentRecord], rnd: object) -> None:
    shuffled = list(ledger)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert fold_consent(ledger).status == fold_consent(shuffled + ledger[:2]).status


@settings(max_examples=300, deadline=None)
@given(st.lists(records, max_size=12))
def test_no_signal_resubscribes_without_a_newer_explicit_opt_in(ledger: list[ConsentRecord]) -> None:
    status = fold_consent(ledger).status
    suppressions = [r for r in ledger if r.status in ("unsubscribed", "cleaned", "complained")]
    if status == "subscribed" and suppressions:
        last_suppression = max(r.at for r in suppressions)
        assert any(r.status == "subscribed" and r.explicit and r.at >= last_suppression for r in ledger)
