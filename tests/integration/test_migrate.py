"""`journeysync migrate` on a table filled by the one-document layout: same customers, compact items, resumable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from journeysync.config.loader import load_config
from journeysync.models import (
    Customer,
    CustomerEvent,
    CustomerUpdated,
    IdentityKeys,
    MembershipPurchased,
    SurveyResponded,
    TicketBooked,
    TicketCheckedIn,
)
from journeysync.profile.fold import FoldContext, apply_event, new_customer
from journeysync.profile.migrate import migrate
from journeysync.store import ProfileStore
from tests.conftest import AwsResources

pytestmark = pytest.mark.integration

CONFIG = load_config("infra/config")
T0 = datetime.now(UTC) - timedelta(days=30)


def _events(n: int) -> list[CustomerEvent]:
    ident = IdentityKeys(emails=[f"m{n}@example.com"])
    datas: list[Any] = [
        MembershipPurchased(tier="individual", term_months=12, order_id=f"m{n}"),
        TicketBooked(order_id=f"t{n}", event_ref="exh"),
        TicketCheckedIn(order_id=f"t{n}", event_ref="exh"),
        SurveyResponded(response_id=f"r{n}", scale="nps", score=9, comment="lovely"),
        CustomerUpdated(given_name="Ann", previous_email=f"old{n}@example.com"),
    ]
    return [
        CustomerEvent.create(source="square", vendor_event_id=f"{n}-{i}", time=T0 + timedelta(hours=i),
                             identity=ident, data=d).model_copy(update={"archive_key": f"raw/{n}-{i}.json"})
        for i, d in enumerate(datas)
    ]


def _old_layout(ddb: Any, table: str, customer: Customer, events: list[CustomerEvent]) -> None:
    """Items exactly as the one-document layout wrote them."""
    doc = json.loads(customer.model_dump_json())
    doc["header"].pop("recent")
    doc["applied_events"] = [e.id for e in events]
    ddb.put_item(TableName=table, Item={
        "pk": {"S": f"C#{customer.customer_id}"}, "sk": {"S": "P"}, "version": {"N": str(customer.header.version)},
        "updated_at": {"S": customer.header.updated_at.isoformat()}, "doc": {"S": json.dumps(doc)},
        "email": {"S": customer.identity.emails[0]},
    })
    for e in events:
        ddb.put_item(TableName=table, Item={
            "pk": {"S": f"C#{customer.customer_id}"}, "sk": {"S": f"T#{e.time.isoformat()}#{e.id}"},
            "type": {"S": e.type}, "doc": {"S": e.model_dump_json()},
        })


def test_migrate_rewrites_old_partitions_to_the_same_customers_and_can_resume(aws: AwsResources) -> None:
    ddb = aws.client("dynamodb")
    store = ProfileStore(aws.table, client=ddb)
    ctx = FoldContext(CONFIG)
    expected: dict[str, Customer] = {}
    for n in range(4):
        events = _events(n)
        customer = new_customer(f"c{n}", ctx)
        for e in events:
            customer = apply_event(customer, e, ctx)
        customer.header.version = 5
        _old_layout(ddb, aws.table, customer, events)
        expected[customer.customer_id] = customer

    first = migrate(store, max_items=7)  # interrupted part-way
    assert first.left and first.profiles + first.timeline == 7
    rest = migrate(store)
    assert not rest.left and first.profiles + rest.profiles == 4 and first.timeline + rest.timeline == 20
    assert migrate(store).profiles == migrate(store).timeline == 0  # idempotent: nothing left to do

    items = ddb.scan(TableName=aws.table)["Items"]
    assert not [i for i in items if "doc" in i]
    for cid, customer in expected.items():
        got = ProfileStore(aws.table, client=ddb).get(cid)
        assert got is not None
        assert got.model_dump(exclude={"header": {"updated_at"}}) == customer.model_dump(
            exclude={"header": {"updated_at"}})
        timeline = store.timeline(cid)
        assert {e.archive_key for e in timeline} == {f"raw/{cid[1:]}-{i}.json" for i in range(5)}
        assert any(f"email:old{cid[1:]}@example.com" in e.keys for e in timeline)  # forget still finds it
