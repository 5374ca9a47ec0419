from __future__ import annotations

from datetime import UTC, datetime

from journeysync.identity import IdentityKey
from journeysync.models import Customer, CustomerEvent
from journeysync.store import requests as rq


def test_new_customer_put_requires_absence() -> None:
    req = rq.put_customer("t", Customer(customer_id="c1"), expected_version=0)
    assert req["ConditionExpression"] == "attribute_not_exists(pk)"
    assert req["Item"]["pk"] == {"S": "C#c1"}
    assert req["Item"]["sk"] == {"S": "P"}


def test_existing_customer_put_is_version_checked() -> None:
    customer = Customer(customer_id="c1")
    customer.header.version = 4
    req = rq.put_customer("t", customer, expected_version=3)
    assert req["ConditionExpression"] == "#v = :expected"
    assert req["ExpressionAttributeValues"] == {":expected": {"N": "3"}}
    assert req["Item"]["version"] == {"N": "4"}


def test_item_round_trips_the_customer_and_lifts_the_email() -> None:
    customer = Customer(customer_id="c1")
    customer.identity.emails.append("ann@example.com")
    item = rq.customer_item(customer)
    assert item["email"] == {"S": "ann@example.com"}
    assert rq.customer_from_item(item) == customer


def test_key_claim_is_conditional_on_absence_or_same_owner() -> None:
    req = rq.claim_key("t", IdentityKey("email", "a@b.org"), "c1")
    assert req["Item"]["pk"] == {"S": "K#email:a@b.org"}
    assert req["ConditionExpression"] == "attribute_not_exists(pk) OR customer_id = :cid"
    assert req["ExpressionAttributeValues"][":cid"] == {"S": "c1"}


def test_key_move_only_from_the_expected_owner() -> None:
    req = rq.move_key("t", IdentityKey("ext", "X1", "square"), "old", "new")
    assert req["Key"]["pk"] == {"S": "K#ext:square:X1"}
    assert req["ExpressionAttributeValues"] == {":to": {"S": "new"}, ":from": {"S": "old"}}


def test_timeline_items_sort_by_event_time_then_id() -> None:
    event = CustomerEvent.model_validate(
        {
            "id": "e9",
            "source": "shopify",
            "type": "ticket.booked",
            "time": datetime(2026, 1, 2, tzinfo=UTC),
            "data": {"order_id": "o", "event_ref": "x"},
        }
    )
    req = rq.put_timeline_event("t", "c1", event)
    assert req["Item"]["sk"]["S"] == "T#2026-01-02T00:00:00+00:00#e9"
    query = rq.query_timeline("t", "c1", limit=20)
    assert query["ScanIndexForward"] is False and query["Limit"] == 20


def test_batch_key_lookup_is_consistent() -> None:
    req = rq.get_keys("t", [IdentityKey("email", "a@b.org"), IdentityKey("phone", "+442079460958")])
    assert req["RequestItems"]["t"]["ConsistentRead"] is True
    assert len(req["RequestItems"]["t"]["Keys"]) == 2
