"""pos_to_crm against the moto server: identity resolution, merges, erasure, and the idempotent SQS batch."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeysync.config.loader import AppConfig, load_config
from journeysync.identity import IdentityKey
from journeysync.models import (
    CustomerEvent,
    CustomerUpdated,
    IdentityKeys,
    MembershipPurchased,
    Money,
    PurchaseCompleted,
    TicketBooked,
)
from journeysync.models.changes import ProfileChanged
from journeysync.profile.forget import forget_customer
from journeysync.profile.process import Deps, process_events
from journeysync.profile.publish import Publisher
from journeysync.profile.resolve import ProfileEngine
from journeysync.store import ProfileStore
from tests.conftest import AwsResources
from tests.lambda_context import lambda_context

pytestmark = pytest.mark.integration

CONTEXT = lambda_context("pos-to-crm-test", 20_000)

T0 = datetime.now(UTC) - timedelta(days=1)
CONFIG: AppConfig = load_config("infra/config")


class RecordingPublisher(Publisher):
    def __init__(self) -> None:
        self.sent: list[ProfileChanged] = []
        self.requests = 0

    def publish(self, changes: Any) -> int:
        self.sent += list(changes)
        self.requests += 1
        return len(changes)


def _ev(n: Any, data: Any, minutes: float = 0, **keys: Any) -> CustomerEvent:
    return CustomerEvent.create(
        source="square", vendor_event_id=f"{n}", time=T0 + timedelta(minutes=minutes),
        identity=IdentityKeys(**keys), data=data,
    )


def _buy(n: Any, minutes: float = 0, **keys: Any) -> CustomerEvent:
    return _ev(n, MembershipPurchased(tier="individual", term_months=12, order_id=f"o{n}"), minutes, **keys)


def _shop(n: Any, minutes: float = 0, **keys: Any) -> CustomerEvent:
    return _ev(n, PurchaseCompleted(order_id=f"p{n}", total=Money(amount=100, currency="GBP")), minutes, **keys)


@pytest.fixture
def store(aws: AwsResources) -> ProfileStore:
    return ProfileStore(aws.table)


def _engine(store: ProfileStore) -> ProfileEngine:
    return ProfileEngine(store, CONFIG)


def _apply(store: ProfileStore, *events: CustomerEvent) -> list[Any]:
    engine = _engine(store)
    engine.prefetch(events)
    outcomes = [engine.apply(e) for e in events]
    engine.flush_records()
    return outcomes


def _owner(store: ProfileStore, kind: str, value: str, system: str = "") -> str | None:
    return store.owner_of(IdentityKey(kind, value, system))  # type: ignore[arg-type]


def test_a_new_customer_owns_every_key_of_its_first_event(store: ProfileStore) -> None:
    [outcome] = _apply(store, _buy(1, emails=["ann@example.com"], phones=["+447911123456"],
                                   external={"square": "SQ1"}))
    cid = outcome.customer_id
    assert outcome.status == "applied"
    assert {_owner(store, "email", "ann@example.com"), _owner(store, "phone", "+447911123456"),
            _owner(store, "ext", "SQ1", "square")} == {cid}
    customer = store.get(cid)
    assert customer is not None and customer.profile.membership.can_book_online
    assert [e.id for e in store.timeline(cid)] == [outcome.event_id]


def test_an_event_with_no_identity_key_creates_no_profile(store: ProfileStore) -> None:
    [outcome] = _apply(store, _shop("anon"))
    assert outcome.status == "anonymous" and outcome.customer_id is None
    assert list(store.iter_customers()) == []


@pytest.mark.parametrize("first_to_write", ["claimer", "loser"])
def test_two_batches_that_both_mint_a_profile_for_one_person_write_one(store: ProfileStore, first_to_write: str) -> None:
    """Batch A claims the email and has not written yet when batch B, minting its own profile, loses the claim."""
    a, b = _engine(store), _engine(store)
    bought, shopped = _buy(1, emails=["ann@example.com"]), _shop(2, 5, emails=["ann@example.com"])
    a.prefetch([bought])
    b.prefetch([shopped])
    [claimer] = [a.apply(bought)]
    [loser] = [b.apply(shopped)]
    for engine in (a, b) if first_to_write == "claimer" else (b, a):
        engine.flush_records()
    assert loser.customer_id == claimer.customer_id == _owner(store, "email", "ann@example.com")
    [ann] = list(store.iter_customers())
    assert ann.profile.membership.can_book_online and [p.order_id for p in ann.profile.purchases] == ["p2"]
    assert {e.id for e in store.timeline(ann.customer_id)} == {bought.id, shopped.id}


def test_an_event_linking_two_customers_merges_them_into_the_earliest(store: ProfileStore) -> None:
    [first] = _apply(store, _buy(1, emails=["ann@example.com"]))
    [second] = _apply(store, _shop(2, 5, phones=["+447911123456"]))
    [link] = _apply(store, _ev(3, TicketBooked(order_id="t1", event_ref="x"), 10,
                               emails=["ann@example.com"], phones=["+447911123456"]))
    survivor, loser = first.customer_id, second.customer_id
    assert link.customer_id == survivor and link.merged == [loser]
    tomb = store.get(loser)
    assert tomb is not None and tomb.header.merged_into == survivor and tomb.identity.emails == []
    assert _owner(store, "phone", "+447911123456") == survivor
    merged = store.get(survivor)
    assert merged is not None
    assert merged.identity.phones == ["+447911123456"]
    assert [p.order_id for p in merged.profile.purchases] == ["p2"]
    assert merged.journeys["membership"].stage == "engaged"  # the loser's purchase moved with it
    assert len(store.timeline(survivor)) == 3 and store.timeline(loser) == []
    [audit] = store.audits(survivor)
    assert audit["action"] == "merge" and audit["merged"] == loser


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=st.lists(st.sampled_from(["email", "phone"]), min_size=1, max_size=4), linker_first=st.booleans())
def test_events_for_either_old_key_after_a_merge_land_on_the_survivor(
    aws: AwsResources, after: list[str], linker_first: bool
) -> None:
    store = ProfileStore(aws.table)
    email, phone = f"{uuid.uuid4().hex[:8]}@example.com", "+447911123456"
    phone = f"+4479111{uuid.uuid4().int % 100000:05d}"
    [a] = _apply(store, _buy(f"a{email}", 0, emails=[email]))
    [b] = _apply(store, _shop(f"b{email}", 1, phones=[phone]))
    link = _ev(f"l{email}", CustomerUpdated(given_name="Ann"), 2, emails=[email], phones=[phone])
    _apply(store, link)
    later = [
        _shop(f"x{i}{email}", 10 + i, **({"emails": [email]} if kind == "email" else {"phones": [phone]}))
        for i, kind in enumerate(after)
    ]
    outcomes = _apply(store, *later)
    assert {o.customer_id for o in outcomes} == {a.customer_id}
    survivor = store.get(a.customer_id)
    assert survivor is not None
    assert {p.order_id for p in survivor.profile.purchases} >= {f"px{i}{email}" for i in range(len(after))}
    assert store.resolve(b.customer_id) == survivor


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writers=st.integers(2, 4), per_writer=st.integers(1, 3))
def test_concurrent_writers_lose_no_update(aws: AwsResources, writers: int, per_writer: int) -> None:
    store = ProfileStore(aws.table)
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    [seed] = _apply(store, _buy(f"seed{email}", emails=[email]))
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            engine = ProfileEngine(ProfileStore(aws.table), CONFIG)
            events = [_shop(f"w{w}-{i}-{email}", 1 + i, emails=[email]) for i in range(per_writer)]
            engine.prefetch(events)  # every writer reads the same version before anyone writes
            for event in events:
                engine.apply(event)
            barrier.wait(timeout=10)  # every writer folded on the same version before anyone writes
            engine.flush_records()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    final = store.get(seed.customer_id)
    assert final is not None
    expected = {f"pw{w}-{i}-{email}" for w in range(writers) for i in range(per_writer)}
    assert {p.order_id for p in final.profile.purchases} == expected
    # at most one P write per writer's batch, whatever its number of events (fewer when a writer's
    # facts landed before a competitor's P write, which then already held them)
    assert 2 <= final.header.version <= 1 + writers


def test_forget_erases_everything_and_a_late_replay_does_not_resurrect(aws: AwsResources, store: ProfileStore) -> None:
    s3 = aws.client("s3")
    bucket = f"archive-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    s3.put_object(Bucket=bucket, Key="raw/square/1.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="raw/other.json", Body=b"{}")
    bought = _buy(1, emails=["ann@example.com"]).model_copy(update={"archive_key": "raw/square/1.json"})
    [a] = _apply(store, bought)
    [b] = _apply(store, _shop(2, 1, phones=["+447911123456"]))
    _apply(store, _ev(3, CustomerUpdated(given_name="Ann"), 2, emails=["ann@example.com"], phones=["+447911123456"]))

    report = forget_customer(store, a.customer_id, archive_bucket=bucket, s3=s3)
    assert sorted(report.customers) == sorted([a.customer_id, b.customer_id])
    assert report.archived_deleted == 1 and report.keys_deleted == 2
    assert report.change is not None and report.change.forgotten
    assert report.change.before is not None and report.change.before["identity"]["emails"] == ["ann@example.com"]
    assert store.get(a.customer_id) is None and store.get(b.customer_id) is None
    assert list(store.partition_keys(a.customer_id)) == []
    assert _owner(store, "email", "ann@example.com") is None
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["raw/other.json"]
    # left behind: digests only — no address, no customer id
    items = aws.client("dynamodb").scan(TableName=aws.table)["Items"]
    assert items and all(i["pk"]["S"].startswith("F#") for i in items)
    assert "ann@example.com" not in json.dumps(items)

    [late] = _apply(store, _shop(4, 3, emails=["ann@example.com"]))
    assert late.status == "suppressed"
    [fresh] = _apply(store, _shop(5, 60 * 24 * 2, emails=["ann@example.com"]))
    assert fresh.status == "applied" and fresh.customer_id not in (a.customer_id, b.customer_id)


# ------------------------------------------------------------------ the SQS batch


def _record(event: CustomerEvent | str, mid: str | None = None, group: str | None = None) -> dict[str, Any]:
    body = event if isinstance(event, str) else event.model_dump_json()
    gid = group or (event.group_key() if isinstance(event, CustomerEvent) else "g")
    return {"messageId": mid or uuid.uuid4().hex, "receiptHandle": "r", "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": gid, "SentTimestamp": "0",
                           "SenderId": "x", "ApproximateFirstReceiveTimestamp": "0", "SequenceNumber": "1",
                           "MessageDeduplicationId": mid or "d"},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:events.fifo", "awsRegion": "eu-west-2"}


@pytest.fixture
def deps(aws: AwsResources, store: ProfileStore) -> Deps:
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    return Deps(store=store, config=CONFIG, publisher=RecordingPublisher(), dlq_url=dlq, sqs=sqs)


def test_a_redelivered_batch_applies_nothing_twice_and_republishes_a_resync(deps: Deps) -> None:
    events = [_buy(1, emails=["ann@example.com"]), _shop(2, 1, emails=["ann@example.com"])]
    batch = {"Records": [_record(e) for e in events]}
    first = process_events(batch, CONTEXT, deps)
    assert first.response == {"batchItemFailures": []}
    assert first.count("applied") == 2 and first.published == 1  # one write, one ProfileChanged per customer
    cid = first.outcomes[0].customer_id
    assert cid is not None
    version = deps.store.get(cid).header.version  # type: ignore[union-attr]

    second = process_events(batch, CONTEXT, deps)
    assert second.count("applied") == 0 and second.replayed == 2
    assert deps.store.get(cid).header.version == version  # type: ignore[union-attr]
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    [resync] = publisher.sent[1:]
    assert resync.before is None and resync.customer_id == cid and resync.version == version


def test_an_invalid_record_is_dead_lettered_with_the_reason_and_the_rest_applies(deps: Deps) -> None:
    good = _buy(1, emails=["ann@example.com"])
    batch = {"Records": [_record('{"id": "x", "type": "nope"}', "bad"), _record(good, "good")]}
    report = process_events(batch, CONTEXT, deps)
    assert report.response == {"batchItemFailures": []}
    assert report.dead_lettered == 1 and report.count("applied") == 1
    assert deps.dlq_url and deps.sqs
    [msg] = deps.sqs.receive_message(QueueUrl=deps.dlq_url, MessageAttributeNames=["All"])["Messages"]
    assert "not a CustomerEvent" in msg["MessageAttributes"]["reason"]["StringValue"]


def test_a_failing_record_fails_only_the_rest_of_its_message_group(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    ann = [_buy(1, emails=["ann@example.com"]), _shop(2, 1, emails=["ann@example.com"])]
    bob = _buy(3, emails=["bob@example.com"])
    real_apply = ProfileEngine.apply

    def flaky(self: ProfileEngine, event: CustomerEvent) -> Any:
        if event.id == ann[0].id:
            from journeysync.errors import RetriableError

            raise RetriableError("throttled")
        return real_apply(self, event)

    monkeypatch.setattr(ProfileEngine, "apply", flaky)
    batch = {"Records": [_record(ann[0], "a1"), _record(bob, "b1"), _record(ann[1], "a2")]}
    report = process_events(batch, CONTEXT, deps)
    assert sorted(f["itemIdentifier"] for f in report.response["batchItemFailures"]) == ["a1", "a2"]
    assert [o.event_id for o in report.outcomes] == [bob.id]


def test_profile_changes_reach_the_bus_in_one_put_events_per_batch(aws: AwsResources, deps: Deps) -> None:
    events_client = aws.client("events")
    bus = f"bus-{uuid.uuid4().hex[:8]}"
    events_client.create_event_bus(Name=bus)
    deps.publisher = Publisher(bus, events_client)
    batch = {"Records": [_record(_buy(i, emails=[f"m{i}@example.com"])) for i in range(10)]}
    report = process_events(batch, CONTEXT, deps)
    assert report.published == 10
    assert deps.publisher.requests == 1


def test_duplicates_within_and_across_batches_count_once_without_an_idempotency_record(
    aws: AwsResources, deps: Deps
) -> None:
    from journeysync.models import TicketCheckedIn

    visit = _ev("v1", TicketCheckedIn(order_id="t1", event_ref="x"), 1, emails=["ann@example.com"])
    again = _ev("v2", TicketCheckedIn(order_id="t2", event_ref="x"), 2, emails=["ann@example.com"])
    first = process_events({"Records": [_record(visit), _record(visit), _record(again)]}, CONTEXT, deps)
    cid = first.outcomes[0].customer_id
    assert cid is not None
    process_events({"Records": [_record(again), _record(visit)]}, CONTEXT, deps)
    customer = deps.store.get(cid)
    assert customer is not None and customer.profile.visits == 2
    assert customer.header.version == 1, "one P write for the first batch, none for the redelivery"
    timeline = deps.store.timeline(cid)
    assert sorted(e.id for e in timeline) == sorted([visit.id, again.id])
    assert set(aws.tables) == {"Table"}, "the profile table is the only table: no idempotency records anywhere"
