"""The journey sweep against the moto server: it reads only the profiles whose due time came (the due index),
moves them, advances a due time that came with nothing to do, and a full run backfills profiles without one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from journeysync.config.loader import AppConfig, load_config
from journeysync.models import CustomerEvent, IdentityKeys, MembershipPurchased
from journeysync.models.customer import Customer
from journeysync.profile.due import next_due
from journeysync.profile.fold import FoldContext, apply_event, new_customer
from journeysync.profile.process import Deps, sweep
from journeysync.store import ProfileStore
from journeysync.store.table import TableKeys
from tests.conftest import AwsResources
from tests.integration.test_pos_to_crm import RecordingPublisher

pytestmark = pytest.mark.integration

CONFIG: AppConfig = load_config("infra/config")
T0 = datetime.now(UTC) - timedelta(days=1)


def _store(aws: AwsResources, with_due: bool = True) -> ProfileStore:
    return ProfileStore(aws.table, aws.client("dynamodb"), (lambda c, at: next_due(c, CONFIG, at)) if with_due else None)


def _member(store: ProfileStore, n: int) -> Customer:
    """A member who bought a year's membership at T0: renewal due 30 days before it ends, lapsed after."""
    ctx = FoldContext(CONFIG, T0)
    event = CustomerEvent.create(source="square", vendor_event_id=f"m{n}", time=T0,
                                 identity=IdentityKeys(emails=[f"member{n}@example.com"]),
                                 data=MembershipPurchased(tier="individual", term_months=12, order_id=f"o{n}"))
    return store.save(apply_event(new_customer(f"c-{n}", ctx), event, ctx), 0)


def _deps(store: ProfileStore, at: datetime) -> Deps:
    return replace(Deps(store=store, config=CONFIG, publisher=RecordingPublisher()), now=lambda: at)


def _p_item(aws: AwsResources, customer_id: str) -> dict[str, Any]:
    key = {"pk": {"S": TableKeys.customer_pk(customer_id)}, "sk": {"S": TableKeys.PROFILE_SK}}
    return aws.client("dynamodb").get_item(TableName=aws.table, Key=key, ConsistentRead=True)["Item"]


def test_the_sweep_reads_only_due_profiles_and_moves_them_when_their_time_comes(aws: AwsResources) -> None:
    store = _store(aws)
    members = [_member(store, n) for n in range(5)]
    until = members[0].profile.membership.valid_until
    assert until is not None
    renewal = until - timedelta(days=30)
    assert _p_item(aws, "c-0")["due"]["S"].startswith(renewal.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))

    early = sweep(_deps(store, renewal - timedelta(days=1)))
    assert early.scanned == 0 and early.changed == 0  # nobody read: the index holds no one due yet

    due = sweep(_deps(store, renewal + timedelta(hours=1)))
    assert due.scanned == 5 and due.changed == 5 and due.moves == {"membership.renewal_due": 5}
    moved = store.get("c-0")
    assert moved is not None and moved.journeys["membership"].stage == "renewal_due"
    # the next threshold is the lapse: until then the sweep reads nobody again
    assert _p_item(aws, "c-0")["due"]["S"] >= until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    assert sweep(_deps(store, renewal + timedelta(days=2))).scanned == 0


def test_a_due_time_that_came_with_nothing_to_do_moves_on_without_a_profile_write(aws: AwsResources) -> None:
    store = _store(aws)
    member = _member(store, 1)
    stale = T0 + timedelta(days=10)  # as if an event had since moved the threshold later
    store.set_due(member, stale)
    assert _p_item(aws, member.customer_id)["due"]["S"] < (T0 + timedelta(days=11)).isoformat()

    report = sweep(_deps(store, stale + timedelta(days=1)))
    assert report.scanned == 1 and report.changed == 0
    item = _p_item(aws, member.customer_id)
    assert item["version"]["N"] == str(member.header.version)  # no profile write, no ProfileChanged
    assert item["due"]["S"] > (T0 + timedelta(days=300)).isoformat()  # the real next threshold
    assert sweep(_deps(store, stale + timedelta(days=1))).scanned == 0


def test_profiles_written_without_a_due_time_are_found_by_one_full_run(aws: AwsResources) -> None:
    old = _store(aws, with_due=False)  # what an earlier version wrote
    member = _member(old, 2)
    assert "due" not in _p_item(aws, member.customer_id)
    store = _store(aws)
    until = member.profile.membership.valid_until
    assert until is not None
    late = until - timedelta(days=29)
    assert sweep(_deps(store, late)).scanned == 0  # the index cannot see it
    full = sweep(_deps(store, late), full=True)
    assert full.changed == 1 and full.moves == {"membership.renewal_due": 1}
    assert "due" in _p_item(aws, member.customer_id)


def test_a_store_without_next_due_keeps_the_due_time_a_profile_has(aws: AwsResources) -> None:
    member = _member(_store(aws), 3)
    due = _p_item(aws, member.customer_id)["due"]["S"]
    other = _store(aws, with_due=False)  # a CLI command or another hop writing the profile
    current = other.get(member.customer_id)
    assert current is not None
    current.profile.given_name = "Ada"
    other.save(current, current.header.version)
    assert _p_item(aws, member.customer_id)["due"]["S"] == due


def test_a_merged_away_or_forgotten_profile_has_no_due_time(aws: AwsResources) -> None:
    store = _store(aws)
    member = _member(store, 4)
    tomb = member.model_copy(deep=True)
    tomb.header.merged_into = "c-survivor"
    store.save(tomb, member.header.version)
    assert "due" not in _p_item(aws, member.customer_id)
