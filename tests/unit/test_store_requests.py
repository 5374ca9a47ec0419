from __future__ import annotations

from datetime import UTC, datetime

from journeysync.identity import IdentityKey
from journeysync.models import Customer, CustomerEvent
from journeysync.store import layout
from journeysync.store import requests as rq
from journeysync.store.timeline import timeline_item


def test_new_customer_put_requires_absence() -> None:
    item = layout.customer_items(Customer(customer_id="c1"))["P"]
    req = rq.put_hot("t", item, expected_version=0)
    assert req["ConditionExpression"] == "attribute_not_exists(pk)"
    assert req["Item"]["pk"] == {"S": "C#c1"}
    assert req["Item"]["sk"] == {"S": "P"}


def test_existing_customer_put_is_version_checked() -> None:
    customer = Customer(customer_id="c1")
    customer.header.version = 4
    req = rq.put_hot("t", layout.customer_items(customer)["P"], expected_version=3)
    assert req["ConditionExpression"] == "#v = :expected"
    assert req["ExpressionAttributeValues"] == {":expected": {"N": "3"}}
    assert req["Item"]["version"] == {"N": "4"}


def test_a_fact_is_written_only_over_what_was_read() -> None:
    new = {"pk": {"S": "C#c1"}, "sk": {"S": "F#O#o1"}, "d": {"S": "{}"}}
    assert rq.put_fact("t", new, None)["ConditionExpression"] == "attribute_not_exists(pk)"
    old = {**new, "d": {"S": '{"a":1}'}}
    req = rq.put_fact("t", new, old)
    assert req["ConditionExpression"] == "#d = :old" and req["ExpressionAttributeValues"] == {":old": old["d"]}
    assert rq.delete_fact("t", old)["Key"] == {"pk": new["pk"], "sk": new["sk"]}


def test_one_query_reads_the_hot_item_and_every_fact() -> None:
    req = rq.query_customer("t", "c1")
    assert req["ExpressionAttributeValues"][":f"] == {"S": "F#"} and req["ExpressionAttributeValues"][":p"] == {"S": "P"}
    assert req["ConsistentRead"] is True


def test_item_round_trips_the_customer_and_reads_the_old_layout() -> None:
    customer = Customer(customer_id="c1")
    customer.identity.emails.append("ann@example.com")
    items = layout.customer_items(customer)
    assert layout.customer_from_items("c1", items.values()) == customer
    old = {"pk": {"S": "C#c1"}, "sk": {"S": "P"}, "version": {"N": "0"},
           "doc": {"S": customer.model_dump_json()[:-1] + ', "applied_events": ["e1"]}'}}
    assert layout.customer_from_items("c1", [old]) == customer


def test_key_claim_is_conditional_on_absence_or_same_owner() -> None:
    req = rq.claim_key("t", IdentityKey("email", "a@b.org"), "c1")
    assert req["Item"]["pk"] == {"S": "K#email:a@b.org"}
    assert req["ConditionExpression"] == "attribute_not_exists(pk) OR customer_id = :cid"
    assert req["ExpressionAttributeValues"][":cid"] == {"S": "c1"}


def test_key_move_only_from_the_expected_owner() -> None:
    req = rq.move_key("t", IdentityKey("ext", "X1", "square"), "old", "new")
    assert req["Key"]["pk"] == {"S": "K#ext:square:X1"}
    assert req["ExpressionAttributeValues"] == {":to": {"S": "new"}, ":from": {"S": "old"}}


def test_timeline_items_sort_by_event_time_then_id_and_stay_compact() -> None:
    event = CustomerEvent.model_validate(
        {
            "id": "e9",
            "source": "shopify",
            "type": "ticket.booked",
            "time": datetime(2026, 1, 2, tzinfo=UTC),
            "identity": {"emails": ["ann@example.com"]},
            "archive_key": "raw/shopify/1.json",
            "data": {"order_id": "o", "event_ref": "x"},
        }
    )
    item = timeline_item("c1", event, ["email:ann@example.com"], ["membership|first_visit"])
    assert item["sk"]["S"] == "T#2026-01-02T00:00:00+00:00#e9"
    assert item["a"] == {"S": "raw/shopify/1.json"} and item["j"] == {"SS": ["membership|first_visit"]}
    assert "doc" not in item and "ann" not in item["m"]["S"]
    assert layout.item_size(item) <= layout.ITEM_BUDGET["T"]
    query = rq.query_timeline("t", "c1", limit=20)
    assert query["ScanIndexForward"] is False and query["Limit"] == 20


def test_batch_key_lookup_is_consistent() -> None:
    req = rq.get_keys("t", [IdentityKey("email", "a@b.org"), IdentityKey("phone", "+442079460958")])
    assert req["RequestItems"]["t"]["ConsistentRead"] is True
    assert len(req["RequestItems"]["t"]["Keys"]) == 2
