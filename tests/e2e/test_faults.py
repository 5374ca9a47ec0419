"""Faults vendors cause every day, end to end: every delivery five times, in random order → the state one
clean, ordered delivery gives (issue 10: duplicates → exactly one effect; order → the same state)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from journeysync_local.stack import LocalStack

from journeysync.store.profiles import ProfileStore
from tests.e2e.fixtures import StartStack

pytestmark = pytest.mark.e2e

EMAIL = "fault.tester@example.org"


def _deliveries() -> list[tuple[str, bytes, dict[str, str]]]:
    """A member's day: a membership bought online, a booking at the door, a rating, a comment later."""
    order = {
        "id": 7001,
        "name": "#7001",
        "email": EMAIL,
        "phone": None,
        "currency": "GBP",
        "financial_status": "paid",
        "created_at": "2026-11-30T09:00:00+00:00",
        "updated_at": "2026-11-30T09:00:00+00:00",
        "total_price": "60.00",
        "buyer_accepts_marketing": False,
        "customer": {"id": 1, "email": EMAIL, "first_name": "Fay", "last_name": "Tester", "phone": None},
        "line_items": [
            {
                "id": 1,
                "product_id": 2,
                "variant_id": 3,
                "sku": "MEM-IND-12",
                "title": "Individual Membership",
                "quantity": 1,
                "price": "60.00",
                "name": "Individual Membership",
            }
        ],
    }
    scan = {
        "specversion": "1.0",
        "id": "gate-1",
        "source": "gates",
        "type": "ticket.checked_in",
        "time": "2026-11-30T11:00:00Z",
        "identity": {"emails": [EMAIL]},
        "data": {"event_ref": "general-admission"},
    }
    rating = {
        "id": "77",
        "person": {"id": "9", "email": EMAIL, "name": "Fay Tester"},
        "survey_type": "nps",
        "score": 4,
        "comment": None,
        "permalink": "https://delighted.com/r/77",
        "created_at": 1796112000,
        "updated_at": 1796112000,
        "person_properties": {"touchpoint": "visit"},
    }
    comment = {**rating, "comment": "Too crowded", "updated_at": 1796112600}
    return [
        ("shopify", json.dumps(order).encode(), {"x-shopify-topic": "orders/paid", "x-shopify-event-id": "e-7001"}),
        ("cloudevents", json.dumps(scan).encode(), {}),
        (
            "delighted",
            json.dumps({"event_type": "survey_response.created", "event_id": "d-1", "event_data": rating}).encode(),
            {},
        ),
        (
            "delighted",
            json.dumps({"event_type": "survey_response.updated", "event_id": "d-2", "event_data": comment}).encode(),
            {},
        ),
    ]


def _post(stack: LocalStack, vendor: str, body: bytes, headers: dict[str, str]) -> int:
    return int(stack.post_webhook(vendor, body, headers=headers, content_type="application/json", timeout=20).status_code)


def _state(stack: LocalStack) -> dict[str, Any]:
    from journeysync.identity import IdentityKey

    store = ProfileStore(stack.resources["Table"], client=stack.client("dynamodb"))
    owner = store.owner_of(IdentityKey("email", EMAIL))
    assert owner is not None
    customer = store.get(owner)
    assert customer is not None
    timeline = store.timeline(owner, limit=100)
    profile = customer.profile.model_dump(mode="json", exclude={"field_times"})
    return {
        "profile": profile,
        "journeys": customer.model_dump(mode="json")["journeys"],
        "timeline": sorted(e.id for e in timeline),
        "version": customer.header.version,
    }


@pytest.mark.timeout(300)
def test_five_deliveries_of_everything_in_random_order_give_the_state_of_one_clean_delivery(
    start_local_stack: StartStack,
) -> None:
    clean = start_local_stack()
    for delivery in _deliveries():
        assert _post(clean, *delivery) == 200
    clean.wait_idle(timeout=60)
    expected = _state(clean)

    noisy = start_local_stack()
    storm = [d for d in _deliveries() for _ in range(5)]
    random.Random(11).shuffle(storm)
    assert {_post(noisy, *d) for d in storm} == {200}
    noisy.wait_idle(timeout=60)
    got = _state(noisy)

    assert got["profile"]["membership"]["can_book_online"] is True
    assert got["profile"]["ratings"][0]["comment"] == "Too crowded"
    assert len(got["profile"]["ratings"]) == 1, "the comment updated the same rating"
    assert got["timeline"] == expected["timeline"], "each canonical event is on the timeline exactly once"
    assert got["profile"] == expected["profile"]
    assert got["journeys"].keys() == expected["journeys"].keys()
    # at most one profile write per distinct event (fewer when a late, older event changes nothing)
    assert got["version"] <= len(expected["timeline"]), "duplicates caused no extra profile write"
