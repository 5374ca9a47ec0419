from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from journeysync.errors import IdentityConflictError, VersionConflictError
from journeysync.identity import IdentityKey
from journeysync.models import Customer, CustomerEvent
from journeysync.store import ProfileStore
from tests.conftest import AwsResources

pytestmark = pytest.mark.integration


@pytest.fixture
def store(aws: AwsResources) -> ProfileStore:
    return ProfileStore(aws.table)


def _new(store: ProfileStore, customer_id: str = "c-1") -> Customer:
    return store.save(Customer(customer_id=customer_id), expected_version=0)


def test_saved_customer_reads_back_with_a_bumped_version(store: ProfileStore) -> None:
    saved = _new(store)
    assert saved.header.version == 1
    got = store.get("c-1")
    assert got == saved


def test_creating_an_existing_customer_conflicts(store: ProfileStore) -> None:
    _new(store)
    with pytest.raises(VersionConflictError):
        store.save(Customer(customer_id="c-1"), expected_version=0)


def test_stale_version_write_is_rejected(store: ProfileStore) -> None:
    saved = _new(store)
    store.save(saved, expected_version=1)
    with pytest.raises(VersionConflictError):
        store.save(saved, expected_version=1)


def test_two_concurrent_writers_on_one_version_both_survive(store: ProfileStore) -> None:
    """The lost-update race: both read version 1, both write; the loser re-reads and reapplies."""
    _new(store)
    barrier = threading.Barrier(2)
    read_versions: list[int] = []

    def writer(field: str, value: str) -> None:
        first = True

        def mutate(c: Customer) -> Customer:
            nonlocal first
            read_versions.append(c.header.version)
            if first:
                first = False
                barrier.wait(timeout=10)  # both writers hold the same version before either writes
            setattr(c.profile, field, value)
            return c

        store.update("c-1", mutate)

    threads = [
        threading.Thread(target=writer, args=("given_name", "Ann")),
        threading.Thread(target=writer, args=("family_name", "Lee")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    final = store.get("c-1")
    assert final is not None
    assert (final.profile.given_name, final.profile.family_name) == ("Ann", "Lee")
    assert final.header.version == 3
    assert read_versions.count(1) == 2, "both writers must have raced on version 1"


def test_many_concurrent_increments_are_all_kept(store: ProfileStore) -> None:
    _new(store)

    def bump(c: Customer) -> Customer:
        c.profile.visits += 1
        return c

    threads = [threading.Thread(target=store.update, args=("c-1", bump)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    final = store.get("c-1")
    assert final is not None and final.profile.visits == 6


def test_update_returning_none_writes_nothing(store: ProfileStore) -> None:
    _new(store)
    store.update("c-1", lambda c: None)
    assert store.get("c-1").header.version == 1  # type: ignore[union-attr]


def test_one_identity_key_maps_to_exactly_one_customer(store: ProfileStore) -> None:
    key = IdentityKey("email", "ann@example.com")
    store.claim_key(key, "c-1")
    store.claim_key(key, "c-1")  # idempotent for the owner
    with pytest.raises(IdentityConflictError) as exc:
        store.claim_key(key, "c-2")
    assert exc.value.owner == "c-1"
    assert store.owners_of([key, IdentityKey("phone", "+442079460958")]) == {key: "c-1"}


def test_key_moves_only_from_its_current_owner(store: ProfileStore) -> None:
    key = IdentityKey("ext", "SQ1", "square")
    store.claim_key(key, "c-2")
    assert store.move_key(key, "c-9", "c-1") is False
    assert store.move_key(key, "c-2", "c-1") is True
    assert store.owner_of(key) == "c-1"


def test_tombstones_resolve_to_the_survivor(store: ProfileStore) -> None:
    _new(store, "c-1")
    loser = Customer(customer_id="c-2")
    loser.header.merged_into = "c-1"
    store.save(loser, 0)
    assert store.resolve("c-2").customer_id == "c-1"  # type: ignore[union-attr]
    assert [c.customer_id for c in store.iter_customers()] == ["c-1"]


def _visit(event_id: str) -> CustomerEvent:
    return CustomerEvent.model_validate({"id": event_id, "source": "square", "type": "ticket.checked_in",
                                         "time": datetime(2026, 1, 1, tzinfo=UTC), "data": {"event_ref": "x"}})


def test_a_writer_that_lost_to_a_merge_moves_its_timeline_item_to_the_survivor(store: ProfileStore) -> None:
    """The merge tombstoned c-2 and moved its timeline; a stale writer then puts an item in c-2's partition."""
    _new(store, "c-1")
    stale = _new(store, "c-2")
    tomb = Customer(customer_id="c-2")
    tomb.header.merged_into = "c-1"
    store.save(tomb, 1)
    store.move_timeline("c-2", "c-1")  # the merge's move ran before the stale writer's timeline item
    with pytest.raises(VersionConflictError):
        store.save(stale, 1, [_visit("late")])
    assert [e.id for e in store.timeline("c-1")] == ["late"]
    assert store.timeline("c-2") == []


def test_settling_a_live_customer_moves_nothing_and_follows_chains_of_merges(store: ProfileStore) -> None:
    _new(store, "c-1")
    store.append_timeline("c-3", _visit("e1"))
    assert store.settle_timeline("c-1") == 0
    for loser, survivor in (("c-3", "c-2"), ("c-2", "c-1")):
        tomb = Customer(customer_id=loser)
        tomb.header.merged_into = survivor
        store.save(tomb, 0)
    assert store.settle_timeline("c-3") == 2, "c-3 → c-2, then c-2 → c-1"
    assert [e.id for e in store.timeline("c-1")] == ["e1"]


def test_timeline_returns_newest_first_and_replays_overwrite(store: ProfileStore) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(25):
        event = CustomerEvent.model_validate(
            {
                "id": f"e{i:02d}",
                "source": "square",
                "type": "ticket.checked_in",
                "time": t0 + timedelta(hours=i),
                "data": {"event_ref": "x"},
            }
        )
        store.append_timeline("c-1", event)
        store.append_timeline("c-1", event)
    recent = store.timeline("c-1", limit=20)
    assert [e.id for e in recent][:3] == ["e24", "e23", "e22"]
    assert len(recent) == 20
    assert len(list(store.partition_keys("c-1"))) == 25


def test_scan_streams_every_profile_across_pages(store: ProfileStore) -> None:
    for i in range(30):
        _new(store, f"c-{i:02d}")
    seen = {c.customer_id for seg in range(3) for c in store.iter_customers(seg, 3)}
    assert len(seen) == 30


def test_audit_records_are_kept_in_the_customer_partition(store: ProfileStore) -> None:
    store.audit("c-1", "merge", {"from": "c-2"})
    assert store.audits("c-1") == [{"action": "merge", "from": "c-2"}]
