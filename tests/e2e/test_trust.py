"""The trust promises over HTTP against the local stack, as a hostile sender or a careless vendor would test them:
keys a stranger can type never merge profiles, an unsubscribe is only undone by a newer explicit opt-in,
`forget` leaves nothing behind, and a re-used CloudEvents id is never silently dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from botocore.exceptions import ClientError
from journeysync_local.stack import LocalStack

from journeysync.identity import IdentityKey
from journeysync.models.customer import Customer
from journeysync.profile.view import find, view
from journeysync.queueing import dead_letter
from journeysync.store import ProfileStore
from tests.e2e.cli_support import cli
from tests.events import ROOT

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC).replace(microsecond=0)
MIA, MIA_PHONE = "mia.khan@example.com", "+447911123456"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def post(stack: LocalStack, vendor: str, body: bytes, **headers: str) -> requests.Response:
    content = "application/x-www-form-urlencoded" if vendor == "mailchimp" else "application/json"
    return stack.post_webhook(vendor, body, headers=headers, content_type=content, timeout=10)


def cloudevent(event_id: str, type_: str, data: dict[str, Any], *, at: datetime, source: str = "tills",
               emails: tuple[str, ...] = (MIA,), phones: tuple[str, ...] = (MIA_PHONE,)) -> dict[str, Any]:
    return {"specversion": "1.0", "id": event_id, "source": source, "type": type_, "time": _iso(at),
            "identity": {"emails": list(emails), "phones": list(phones)}, "data": data}


def send_cloudevents(stack: LocalStack, *events: dict[str, Any]) -> requests.Response:
    return post(stack, "cloudevents", json.dumps(list(events) if len(events) > 1 else events[0]).encode())


def a_subscribed_member(stack: LocalStack, at: datetime) -> None:
    """Mia buys a membership at the till and opts in herself (her own explicit act)."""
    resp = send_cloudevents(
        stack,
        cloudevent("till-mia-1", "membership.purchased", {"tier": "individual", "term_months": 12}, at=at),
        cloudevent("till-mia-2", "consent.changed", {"status": "subscribed", "explicit": True}, at=at),
    )
    assert resp.status_code == 200, resp.text
    stack.wait_idle(timeout=20)


def sample(vendor: str, name: str) -> Any:
    path = ROOT / vendor / name
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


def profiles(stack: LocalStack) -> ProfileStore:
    return ProfileStore(stack.resources["Table"], stack.client("dynamodb"))


def customer_of(stack: LocalStack, email: str) -> Customer | None:
    return find(profiles(stack), email=email)


def ses_contact(stack: LocalStack, email: str) -> dict[str, Any] | None:
    try:
        contact: dict[str, Any] = stack.client("sesv2").get_contact(
            ContactListName=stack.resources["ContactList"], EmailAddress=email
        )
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NotFoundException"
        return None
    return contact


# ---------------------------------------------------------------------------------------------- identity


def test_a_shopify_order_carrying_a_members_phone_does_not_merge_the_newcomer_into_the_member(
    local_stack: LocalStack,
) -> None:
    a_subscribed_member(local_stack, NOW - timedelta(hours=2))
    member = customer_of(local_stack, MIA)
    assert member is not None and member.profile.membership.can_book_online

    order = sample("shopify", "orders-paid.json")
    order.update(email="newcomer@example.com", contact_email=None, phone="07911 123456",
                 processed_at=_iso(NOW - timedelta(minutes=5)), buyer_accepts_marketing=True)
    order["customer"].update(id=555000111, email="newcomer@example.com", phone="07911 123456")
    order["line_items"] = [line for line in order["line_items"] if line["sku"] == "SHOP-MUG"]
    order["total_price"] = order["line_items"][0]["price"]
    assert post(local_stack, "shopify", json.dumps(order).encode(), **{"x-shopify-topic": "orders/paid"}).ok
    local_stack.wait_idle(timeout=20)

    newcomer = customer_of(local_stack, "newcomer@example.com")
    after = customer_of(local_stack, MIA)
    assert newcomer is not None and after is not None
    assert newcomer.customer_id != member.customer_id  # the typed phone did not merge them
    assert after.identity.primary_email == MIA and "newcomer@example.com" not in after.identity.emails
    assert not newcomer.profile.membership.can_book_online  # the member's membership stayed hers
    assert profiles(local_stack).owner_of(IdentityKey("phone", MIA_PHONE)) == member.customer_id
    shown = view(profiles(local_stack), newcomer, local_stack_config())
    assert f"phone:{MIA_PHONE}" in shown["unverified_claims"]  # recorded, visible in `profile get`
    contact = ses_contact(local_stack, MIA)
    assert contact is not None and contact["UnsubscribeAll"] is False  # her contact did not move


def test_a_typeform_hidden_field_naming_a_member_never_links_or_merges(local_stack: LocalStack) -> None:
    a_subscribed_member(local_stack, NOW - timedelta(hours=2))
    member = customer_of(local_stack, MIA)
    assert member is not None

    response = sample("typeform", "form-response-visit.json")
    form = response["form_response"]
    form["submitted_at"] = _iso(NOW - timedelta(minutes=1))
    form["hidden"].update(email=MIA, cid=member.customer_id)  # editable in the public form URL
    for answer in form["answers"]:
        if answer["field"]["ref"] == "visitor_email":
            answer["email"] = "stranger@example.com"
    form["answers"] = [a for a in form["answers"] if a["field"]["ref"] != "visitor_phone"]
    assert post(local_stack, "typeform", json.dumps(response).encode()).ok
    local_stack.wait_idle(timeout=20)

    stranger = customer_of(local_stack, "stranger@example.com")
    after = customer_of(local_stack, MIA)
    assert stranger is not None and after is not None
    assert stranger.customer_id != member.customer_id
    assert after.profile.ratings == []  # nothing the stranger said landed on the member
    claims = view(profiles(local_stack), stranger, local_stack_config())["unverified_claims"]
    assert f"email:{MIA}" in claims and f"ext:journeysync:{member.customer_id}" in claims


# ---------------------------------------------------------------------------------------------- consent


def test_an_address_edit_or_a_future_dated_opt_in_never_undoes_a_mailchimp_unsubscribe(local_stack: LocalStack) -> None:
    a_subscribed_member(local_stack, NOW - timedelta(hours=3))
    assert ses_contact(local_stack, MIA)["UnsubscribeAll"] is False  # type: ignore[index]

    form = dict(parse_qsl(sample("mailchimp", "unsubscribe.txt").strip()))
    form.update({"data[email]": MIA, "data[merges][EMAIL]": MIA,
                 "fired_at": (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")})
    assert post(local_stack, "mailchimp", urlencode(form).encode()).ok
    local_stack.wait_idle(timeout=20)
    assert ses_contact(local_stack, MIA)["UnsubscribeAll"] is True  # type: ignore[index]

    # an ordinary address edit in Shopify: the consent block still says subscribed, with no consent time of its own
    edit = sample("shopify", "customers-update.json")
    edit.update(email=MIA, phone=None, updated_at=_iso(NOW - timedelta(minutes=1)))
    edit["email_marketing_consent"] = {"state": "subscribed", "opt_in_level": "confirmed_opt_in"}
    assert post(local_stack, "shopify", json.dumps(edit).encode(), **{"x-shopify-topic": "customers/update"}).ok
    local_stack.wait_idle(timeout=20)
    mia = customer_of(local_stack, MIA)
    assert mia is not None and mia.profile.email_consent.status == "unsubscribed"
    assert ses_contact(local_stack, MIA)["UnsubscribeAll"] is True  # type: ignore[index]

    # an opt-in dated next century is refused at the door, naming the field
    future = cloudevent("till-mia-future", "consent.changed", {"status": "subscribed", "explicit": True},
                        at=datetime(2999, 1, 1, tzinfo=UTC))
    refused = send_cloudevents(local_stack, future)
    assert refused.status_code == 400 and refused.json()["field"] == "time"
    local_stack.wait_idle(timeout=20)
    assert ses_contact(local_stack, MIA)["UnsubscribeAll"] is True  # type: ignore[index]


# ---------------------------------------------------------------------------------------------- dedupe


def test_cloudevents_ids_are_unique_per_source_and_a_changed_resend_is_refused(local_stack: LocalStack) -> None:
    till = cloudevent("sale-7", "membership.purchased", {"tier": "individual", "term_months": 12},
                      at=NOW - timedelta(minutes=3), emails=("ola@example.com",), phones=())
    web = cloudevent("sale-7", "membership.purchased", {"tier": "family", "term_months": 12},
                     at=NOW - timedelta(minutes=2), source="website", emails=("piet@example.com",), phones=())
    first, second = send_cloudevents(local_stack, till), send_cloudevents(local_stack, web)
    assert first.status_code == second.status_code == 200
    assert first.json()["accepted"] != second.json()["accepted"]

    changed = {**till, "data": {"tier": "family", "term_months": 24}}
    conflict = send_cloudevents(local_stack, changed)
    assert conflict.status_code == 409 and conflict.json()["field"] == "id"
    assert send_cloudevents(local_stack, till).status_code == 200  # a true retry is still a quiet duplicate
    local_stack.wait_idle(timeout=20)

    ola, piet = customer_of(local_stack, "ola@example.com"), customer_of(local_stack, "piet@example.com")
    assert ola is not None and ola.profile.membership.tier == "individual"
    assert piet is not None and piet.profile.membership.tier == "family"
    assert any("duplicate id with different content" in line.line for line in local_stack.logs)


# ---------------------------------------------------------------------------------------------- erasure


def test_forget_removes_the_person_from_every_store_destination_archive_and_dead_letter_queue(
    cli_stack: LocalStack,
) -> None:
    stack = cli_stack
    a_subscribed_member(stack, NOW - timedelta(hours=2))
    assert ses_contact(stack, MIA) is not None
    # a delivery that never reaches the timeline (answered 202 "ignored"), naming her in another case
    unpaid = sample("shopify", "orders-paid.json")
    unpaid.update(email="Mia.Khan@Example.com", contact_email=None, id=991)
    assert post(stack, "shopify", json.dumps(unpaid).encode(), **{"x-shopify-topic": "orders/create"}).status_code == 202
    # a dead-lettered message carrying her, and one that does not
    dlq, sqs = stack.resources["EventsDLQ"], stack.client("sqs")
    dead_letter(dlq, json.dumps({"identity": {"phones": ["07911 123456"]}}), "test: hers", sqs=sqs, group="g1")
    dead_letter(dlq, json.dumps({"identity": {"emails": ["zed@example.com"]}}), "test: not hers", sqs=sqs, group="g2")

    summary = cli("forget", "--email", MIA, "--yes", "--json")
    stack.wait_idle(timeout=20)  # the customer.forgotten change it published reaches the email hop too

    assert ses_contact(stack, MIA) is None
    s3, bucket = stack.client("s3"), stack.resources["ArchiveBucket"]
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode().lower()
        assert "mia.khan" not in body and "7911 123456" not in body
    left = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    assert [json.loads(m["Body"])["identity"]["emails"] for m in left] == [["zed@example.com"]]
    items = stack.client("dynamodb").scan(TableName=stack.resources["Table"])["Items"]
    assert not [i for i in items if "mia" in json.dumps(i).lower() or MIA_PHONE in json.dumps(i)]
    assert any(i["pk"]["S"].startswith("F#") for i in items)  # the key-digest tombstones
    removed = summary["removed"]  # and it says what went where
    assert removed["destination:ses"] == "contact deleted"
    assert removed["archived_payloads"] >= 2 and removed["dead_letters"]["EventsDLQ"] == 1

    # a replay of her old till webhook (a vendor retry, or a re-send under a new id) does not bring her back
    assert send_cloudevents(stack, cloudevent("till-mia-1", "membership.purchased",
                                              {"tier": "individual", "term_months": 12},
                                              at=NOW - timedelta(hours=2))).ok
    assert send_cloudevents(stack, cloudevent("till-mia-1b", "membership.purchased",
                                              {"tier": "individual", "term_months": 12},
                                              at=NOW - timedelta(hours=2))).ok
    stack.wait_idle(timeout=20)
    assert customer_of(stack, MIA) is None
    assert ses_contact(stack, MIA) is None


def local_stack_config() -> Any:
    from journeysync.config.loader import load_config

    return load_config()
