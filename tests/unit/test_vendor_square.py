"""Square's enrichment against its real API paths (RetrieveOrder, RetrieveCustomer), with `responses`."""

from __future__ import annotations

import pytest
import responses

from journeysync.connectors.http import VendorFatalError, VendorRetriableError
from tests.events import api_answer
from tests.unit.vendor_helpers import adapter, enrich_context, parsed

API = "https://connect.squareup.com"
ORDER_URL = f"{API}/v2/orders/kKyi7BmBpnBpQEjoGS2vZfAwV9eZY"
CUSTOMER_URL = f"{API}/v2/customers/JDKYHBWT1D4F8MFH63DBMEN8Y4"


def job():  # type: ignore[no-untyped-def]
    return parsed("square", "payment-updated-completed").enrichments[0]


@responses.activate
def test_a_completed_payment_becomes_membership_and_purchase_from_the_order() -> None:
    responses.get(ORDER_URL, json={"order": api_answer("square", "order")})
    responses.get(CUSTOMER_URL, json={"customer": api_answer("square", "customer")})
    events = adapter("square").enrich(job(), enrich_context("square", API))
    assert [e.type for e in events] == ["membership.purchased", "purchase.completed", "customer.updated"]
    membership, purchase = events[0].data, events[1].data
    assert membership.model_dump(include={"tier", "term_months", "channel", "location"}) == {
        "tier": "joint",
        "term_months": 12,
        "channel": "pos",
        "location": "L8RIVERSIDE01",
    }
    assert purchase.model_dump(mode="json")["total"] == {"amount": 8500, "currency": "GBP"}
    assert purchase.category == "mixed"  # membership + donation
    assert [i.meaning for i in purchase.items] == ["membership", "donation"]
    assert events[0].identity.emails == ("amelia.earhart@example.com",)
    assert events[0].identity.external == {"square": "JDKYHBWT1D4F8MFH63DBMEN8Y4"}
    assert all(c.request.headers["Square-Version"] for c in responses.calls)
    assert responses.calls[0].request.headers["Authorization"] == "Bearer api-token"


@responses.activate
def test_payment_created_and_updated_for_one_payment_give_the_same_event_ids() -> None:
    responses.get(ORDER_URL, json={"order": api_answer("square", "order")})
    responses.get(CUSTOMER_URL, json={"customer": api_answer("square", "customer")})
    first = adapter("square").enrich(job(), enrich_context("square", API))
    other = job().model_copy(update={"vendor_event_id": "another-square-event"})
    second = adapter("square").enrich(other, enrich_context("square", API))
    assert [e.id for e in first] == [e.id for e in second]


@responses.activate
def test_square_throttling_is_retriable_with_its_retry_after() -> None:
    responses.get(ORDER_URL, status=429, headers={"Retry-After": "30"}, json={"errors": [{"code": "RATE_LIMITED"}]})
    with pytest.raises(VendorRetriableError) as exc:
        adapter("square").enrich(job(), enrich_context("square", API))
    assert exc.value.retry_after == 30


@responses.activate
def test_an_order_square_does_not_know_is_fatal() -> None:
    responses.get(ORDER_URL, status=404, json={"errors": [{"code": "NOT_FOUND"}]})
    with pytest.raises(VendorFatalError):
        adapter("square").enrich(job(), enrich_context("square", API))


@responses.activate
def test_the_customer_is_looked_up_only_when_the_payment_has_no_email() -> None:
    import json

    from tests.events import load_sample

    doc = load_sample("square", "payment-updated-completed").json()
    doc["data"]["object"]["payment"]["buyer_email_address"] = "walk.in@example.com"
    responses.get(ORDER_URL, json={"order": api_answer("square", "order")})
    with_email = parsed("square", "payment-updated-completed", json.dumps(doc).encode()).enrichments[0]
    events = adapter("square").enrich(with_email, enrich_context("square", API))
    assert len(responses.calls) == 1
    assert events[0].identity.emails == ("walk.in@example.com",)
