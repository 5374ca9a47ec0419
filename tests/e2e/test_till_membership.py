"""The organisation's worst pain, end to end: a membership paid at the till (a signed Square webhook whose
payment carries no line items or email) can book online at once, and sits at the journey's first stage."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from journeysync_local.stack import LocalStack
from journeysync_local.vendor_standin import VendorStandIn

from journeysync.identity import IdentityKey
from journeysync.store.profiles import ProfileStore
from tests.e2e.fixtures import StartStack
from tests.events import api_answer, load_sample

pytestmark = pytest.mark.e2e


@pytest.fixture
def standin() -> Iterator[VendorStandIn]:
    server = VendorStandIn().start()
    order, customer = api_answer("square", "order"), api_answer("square", "customer")
    server.seed("square", "orders", order["id"], order)
    server.seed("square", "customers", customer["id"], customer)
    yield server
    server.stop()


def _post_square(stack: LocalStack, body: bytes) -> requests.Response:
    return stack.post_webhook("square", body, timeout=20)


def test_a_till_membership_payment_can_book_online_at_once_and_replays_change_nothing(
    start_local_stack: StartStack, standin: VendorStandIn
) -> None:
    stack = start_local_stack(parameters={"SquareApiUrl": standin.url})
    body = load_sample("square", "payment-updated-completed").body
    resp = _post_square(stack, body)
    assert resp.status_code == 200 and resp.json()["enrichment_pending"] == 0, resp.text
    stack.wait_idle(timeout=30)

    email = api_answer("square", "customer")["email_address"]
    store = ProfileStore(stack.resources["Table"], client=stack.client("dynamodb"))
    owner = store.owner_of(IdentityKey("email", email.strip().lower()))
    assert owner is not None
    customer = store.get(owner)
    assert customer is not None
    assert customer.profile.membership.can_book_online is True
    assert customer.profile.membership.tier == "joint"
    membership = customer.journeys["membership"]
    # the order also carries a donation (purchase.completed → engaged), so the member passed through joined
    assert [v.stage for v in membership.history][:1] == ["joined"], membership
    assert standin.calls(r"^/v2/orders/") and standin.calls(r"^/v2/customers/")

    for _ in range(2):  # Square retries for up to 72 h: every redelivery is a no-op
        assert _post_square(stack, body).json() == resp.json()
    stack.wait_idle(timeout=30)
    again = store.get(owner)
    assert again is not None and again.header.version == customer.header.version
    assert json.loads(again.model_dump_json())["profile"] == json.loads(customer.model_dump_json())["profile"]
