"""webhook_ingest end to end: a signed webhook over HTTP → archived raw object → canonical event on the FIFO queue.

The stack polls no queue here (`pollers_for=set()`), so what ingest queued stays on the queue to be read.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from journeysync_local.stack import LocalStack

from journeysync.identity import IdentityKey
from journeysync.vendors.cloudevents import sign
from tests.e2e.fixtures import StartStack

pytestmark = pytest.mark.e2e


@pytest.fixture
def ingest_stack(start_local_stack: StartStack) -> LocalStack:
    return start_local_stack(pollers_for=set())


def cloudevent(event_id: str = "till-1", email: str = "Ann@Example.com", **data: Any) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "riverside-tills",
            "type": "membership.purchased",
            "time": "2026-11-30T10:00:00Z",
            "identity": {"emails": [email]},
            "data": {"tier": "individual", "term_months": 12, **data},
        }
    ).encode()


def post(
    stack: LocalStack,
    body: bytes,
    *,
    secret: str | None = None,
    at: int | None = None,
    signed: bytes | None = None,
    **headers: str,
) -> requests.Response:
    signature = sign(
        secret or stack.vendor_secrets["cloudevents"], body if signed is None else signed, at or int(time.time())
    )
    all_headers = {"content-type": "application/cloudevents+json", "x-journeysync-signature": signature, **headers}
    return requests.post(f"{stack.url}/webhooks/cloudevents", data=body, headers=all_headers, timeout=10)


def queued(stack: LocalStack) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    resp = sqs.receive_message(
        QueueUrl=stack.resources["EventsQueue"], MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
    )
    return resp.get("Messages", [])


def archived(stack: LocalStack) -> list[str]:
    listing = stack.client("s3").list_objects_v2(Bucket=stack.resources["ArchiveBucket"])
    return [o["Key"] for o in listing.get("Contents", [])]


def test_signed_webhook_is_archived_then_queued_with_identity_group_and_event_dedup_id(
    ingest_stack: LocalStack,
) -> None:
    resp = post(ingest_stack, cloudevent())
    assert resp.status_code == 200, resp.text
    [event_id] = resp.json()["accepted"]

    [key] = archived(ingest_stack)
    assert key.startswith("raw/cloudevents/")
    doc = json.loads(
        ingest_stack.client("s3").get_object(Bucket=ingest_stack.resources["ArchiveBucket"], Key=key)["Body"].read()
    )
    assert json.loads(doc["body"])["id"] == "till-1"
    assert doc["headers"]["x-journeysync-signature"] == "[redacted]"
    assert doc["event_ids"] == [event_id]

    [message] = queued(ingest_stack)
    body = json.loads(message["Body"])
    assert body["id"] == event_id and body["archive_key"] == key
    assert message["Attributes"]["MessageGroupId"] == IdentityKey("email", "ann@example.com").digest()
    assert message["Attributes"]["MessageDeduplicationId"] == event_id


def test_redelivery_answers_the_same_ids_and_has_no_second_effect(ingest_stack: LocalStack) -> None:
    first = post(ingest_stack, cloudevent())
    again = post(ingest_stack, cloudevent())
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(queued(ingest_stack)) == 1
    assert len(archived(ingest_stack)) == 1


def test_binary_bodies_are_verified_over_the_bytes_api_gateway_base64_encoded(ingest_stack: LocalStack) -> None:
    resp = post(ingest_stack, cloudevent(), **{"content-type": "application/octet-stream"})
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    ("mutate", "status", "answer"),
    [
        (lambda s, b: post(s, b.replace(b"individual", b"patron"), signed=b), 401, {"error": "signature mismatch"}),
        (lambda s, b: post(s, b, secret="wrong-key"), 401, {"error": "signature mismatch"}),
        (lambda s, b: post(s, b, at=int(time.time()) - 3600), 401, {"error": "signature mismatch"}),
        (
            lambda s, b: requests.post(f"{s.url}/webhooks/cloudevents", data=b, timeout=10),
            401,
            {"error": "signature mismatch"},
        ),
        (lambda s, b: post(s, b"{not json"), 400, {"error": "body is not valid JSON", "field": "body"}),
        (
            lambda s, b: post(s, b.replace(b'"tier": "individual", ', b"")),
            400,
            {"error": "Field required", "field": "data.tier"},
        ),
        (lambda s, b: requests.post(f"{s.url}/webhooks/nosuchvendor", data=b, timeout=10), 404, None),
    ],
    ids=["tampered", "wrong-key", "stale", "unsigned", "malformed-json", "missing-field", "unknown-vendor"],
)
def test_bad_input_gets_its_answer_and_leaves_nothing_behind(
    ingest_stack: LocalStack, mutate: Any, status: int, answer: Any
) -> None:
    resp = mutate(ingest_stack, cloudevent())
    assert resp.status_code == status
    if answer is not None:
        assert resp.json() == answer
    assert queued(ingest_stack) == []
    assert archived(ingest_stack) == []


def test_body_over_the_cap_is_413(ingest_stack: LocalStack) -> None:
    resp = post(ingest_stack, cloudevent(reason="x" * 300_000))
    assert resp.status_code == 413
    assert resp.json()["field"] == "body"


def test_vendor_without_a_configured_secret_fails_closed_and_looks_like_a_bad_signature(
    start_local_stack: StartStack,
) -> None:
    stack = start_local_stack(pollers_for=set(), secrets={"square": "only-square"})
    resp = post(stack, cloudevent(), secret="anything")
    # the same answer as a forged signature: a stranger cannot tell which vendors are set up
    assert (resp.status_code, resp.json()) == (401, {"error": "signature mismatch"})
    assert queued(stack) == []
