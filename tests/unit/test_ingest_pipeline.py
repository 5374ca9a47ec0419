"""The ingest pipeline's promises where AWS misbehaves (botocore Stubber: paths moto cannot reach).

Nothing is acknowledged before it is archived and queued; an enrichment that fails inline is
queued for the retrying step, never dropped; a job that cannot succeed is dead-lettered with its reason.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from journeysync.batch import settle
from journeysync.config.catalogue import Catalogue
from journeysync.connectors.http import VendorFatalError, VendorRetriableError
from journeysync.ingest import pipeline
from journeysync.ingest.apigw import serve
from journeysync.ingest.enrich_consumer import enrichment_verdict
from journeysync.ingest.pipeline import EnrichmentOutcome, IngestDeps, enrichment_message, run_enrichment
from journeysync.ingest.settings import IngestSettings
from journeysync.models.events import CustomerEvent, IdentityKeys, MembershipPurchased
from journeysync.vendors.api import VendorApi
from journeysync.vendors.base import (
    EnrichContext,
    Enrichment,
    ParseContext,
    Parsed,
    VendorAdapter,
    WebhookRequest,
)
from journeysync.vendors.cloudevents import sign

SECRET = "unit-secret"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _event(vendor_event_id: str = "v-1") -> CustomerEvent:
    return CustomerEvent.create(
        source="fake",
        vendor_event_id=vendor_event_id,
        time=NOW,
        identity=IdentityKeys(emails=("ann@example.com",)),
        data=MembershipPurchased(tier="individual", term_months=12),
    )


class FakeAdapter(VendorAdapter):
    """Parses every body into one enrichment job; `enrich` does what the test says."""

    name = "fake"

    def __init__(self, enrich_with: Any) -> None:
        self.enrich_with = enrich_with

    def verify(self, request: WebhookRequest, secret: str) -> None:
        pass

    def signed_headers(self, secret: str, body: bytes, *, url: str, now: datetime) -> dict[str, str]:
        return {}

    def parse(self, request: WebhookRequest, ctx: ParseContext) -> Parsed:
        return Parsed(
            vendor_event_id="v-1", enrichments=[Enrichment(vendor="fake", kind="fake.fetch", vendor_event_id="v-1")]
        )

    def enrich(self, job: Enrichment, ctx: EnrichContext) -> list[CustomerEvent]:
        if isinstance(self.enrich_with, Exception):
            raise self.enrich_with
        return list(self.enrich_with)


def _clients() -> tuple[Any, Any]:
    kw = {"region_name": "eu-west-2", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    return boto3.client("s3", **kw), boto3.client("sqs", **kw)


def _deps(s3: Any, sqs: Any, api: Any = None) -> IngestDeps:
    settings = IngestSettings(
        events_queue_url="https://sqs.eu-west-2.amazonaws.com/1/events.fifo",
        enrichment_queue_url="https://sqs.eu-west-2.amazonaws.com/1/enrich",
        enrichment_dlq_url="https://sqs.eu-west-2.amazonaws.com/1/enrich-dlq",
        archive_bucket="archive",
    )
    return IngestDeps(
        settings=settings,
        secret=lambda _v: SECRET,
        catalogue=Catalogue(),
        s3=s3,
        sqs=sqs,
        api=api or (lambda _v, _inline: VendorApi("fake", "https://api.example", "token")),
    )


def _apigw_event(vendor: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "rawPath": f"/webhooks/{vendor}",
        "headers": headers,
        "body": body.decode(),
        "isBase64Encoded": False,
        "pathParameters": {"vendor": vendor},
        "requestContext": {
            "http": {"method": "POST"},
            "domainName": "api.example",
            "timeEpoch": int(time.time() * 1000),
        },
    }


def _cloudevent() -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": "e-1",
            "source": "tills",
            "type": "membership.purchased",
            "time": "2026-11-30T10:00:00Z",
            "identity": {"emails": ["ann@example.com"]},
            "data": {"tier": "individual", "term_months": 12},
        }
    ).encode()
    return body, {"x-journeysync-signature": sign(SECRET, body, int(time.time()))}


def test_archive_failure_answers_503_and_queues_nothing() -> None:
    s3, sqs = _clients()
    sqs_calls: list[str] = []
    sqs.meta.events.register("provide-client-params.sqs.*", lambda event_name, **_: sqs_calls.append(event_name))
    with Stubber(s3) as s3_stub, Stubber(sqs):
        s3_stub.add_client_error("put_object", "ServiceUnavailable", http_status_code=503)
        reply = serve(_apigw_event("cloudevents", *_cloudevent()), lambda: _deps(s3, sqs), lambda exc: None)
    assert sqs_calls == []
    assert reply.status == 503
    assert reply.headers["retry-after"]


def test_queue_refusal_after_archiving_answers_503_so_the_vendor_redelivers() -> None:
    s3, sqs = _clients()
    errors: list[Exception] = []
    with Stubber(s3) as s3_stub, Stubber(sqs) as sqs_stub:
        s3_stub.add_response(
            "put_object", {}, {"Bucket": "archive", "Key": ANY, "Body": ANY, "ContentType": "application/json",
                               "IfNoneMatch": "*", "Metadata": ANY},
        )
        sqs_stub.add_response(
            "send_message_batch",
            {"Successful": [], "Failed": [{"Id": "0", "SenderFault": False, "Code": "InternalError", "Message": "x"}]},
        )
        reply = serve(_apigw_event("cloudevents", *_cloudevent()), lambda: _deps(s3, sqs), errors.append)
    assert reply.status == 503
    assert "not queued" in str(errors[0])


def test_inline_enrichment_failure_queues_the_job_for_the_retrying_step(monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = FakeAdapter(VendorRetriableError("fake answered 503", status=503))
    monkeypatch.setattr(pipeline, "adapter_for", lambda name: adapter if name == "fake" else None)
    s3, sqs = _clients()
    with Stubber(s3) as s3_stub, Stubber(sqs) as sqs_stub:
        s3_stub.add_response("put_object", {}, None)
        sqs_stub.add_response(
            "send_message",
            {"MessageId": "m-1"},
            {"QueueUrl": "https://sqs.eu-west-2.amazonaws.com/1/enrich", "MessageBody": ANY},
        )
        reply = serve(_apigw_event("fake", b"{}", {}), lambda: _deps(s3, sqs), lambda exc: None)
    assert reply.status == 200
    assert reply.body == {"accepted": [], "enrichment_pending": 1}


def test_inline_enrichment_success_queues_the_events_with_their_archive_key(monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = FakeAdapter([_event()])
    monkeypatch.setattr(pipeline, "adapter_for", lambda name: adapter if name == "fake" else None)
    s3, sqs = _clients()
    sent: list[dict[str, Any]] = []
    with Stubber(s3) as s3_stub, Stubber(sqs) as sqs_stub:
        s3_stub.add_response("put_object", {}, None)
        sqs_stub.add_response(
            "send_message_batch", {"Successful": [{"Id": "0", "MessageId": "m", "MD5OfMessageBody": "x"}], "Failed": []}
        )
        sqs.meta.events.register("provide-client-params.sqs.SendMessageBatch", lambda params, **_: sent.append(params))
        reply = serve(_apigw_event("fake", b"{}", {}), lambda: _deps(s3, sqs), lambda exc: None)
    assert reply.status == 200 and reply.body["accepted"] == [_event().id]
    body = json.loads(sent[0]["Entries"][0]["MessageBody"])
    assert body["archive_key"].startswith("raw/fake/")


@pytest.mark.parametrize(
    ("raised", "outcome"),
    [
        (VendorRetriableError("429", status=429, retry_after=30), EnrichmentOutcome.RETRY),
        (VendorFatalError("fake answered 404", status=404), EnrichmentOutcome.DEAD),
    ],
)
def test_queued_enrichment_retries_transient_failures_and_dead_letters_permanent_ones(
    monkeypatch: pytest.MonkeyPatch, raised: Exception, outcome: str
) -> None:
    monkeypatch.setattr(pipeline, "adapter_for", lambda name: FakeAdapter(raised))
    s3, sqs = _clients()
    job = Enrichment(vendor="fake", kind="fake.fetch", vendor_event_id="v-1")
    result, reason = run_enrichment(enrichment_message(job, "raw/fake/k.json"), _deps(s3, sqs))
    assert result == outcome
    assert reason


def _sqs_event(body: str) -> dict[str, Any]:
    return {"Records": [{"messageId": "m-1", "receiptHandle": "h", "body": body, "attributes": {},
                         "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:::q"}]}


def _enrich(body: str, deps: IngestDeps) -> dict[str, Any]:
    return settle(_sqs_event(body), None, lambda r: enrichment_verdict(r.body, deps)[1],
                  dlq_url=deps.settings.enrichment_dlq_url, hop="webhook_enrich", sqs=deps.sqs).response


def test_a_dead_enrichment_job_lands_in_the_dlq_with_its_reason_and_is_acknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        pipeline, "adapter_for", lambda name: FakeAdapter(VendorFatalError("fake answered 404", status=404))
    )
    s3, sqs = _clients()
    body = enrichment_message(Enrichment(vendor="fake", kind="fake.fetch", vendor_event_id="v-1"), "raw/fake/k.json")
    with Stubber(sqs) as sqs_stub:
        sqs_stub.add_response(
            "send_message",
            {"MessageId": "d-1"},
            {
                "QueueUrl": "https://sqs.eu-west-2.amazonaws.com/1/enrich-dlq",
                "MessageBody": body,
                "MessageAttributes": {"reason": {"DataType": "String", "StringValue": ANY},
                                      "hop": {"DataType": "String", "StringValue": "webhook_enrich"},
                                      "source_message_id": {"DataType": "String", "StringValue": "m-1"}},
            },
        )
        assert _enrich(body, _deps(s3, sqs)) == {"batchItemFailures": []}
        sqs_stub.assert_no_pending_responses()


def test_a_transient_enrichment_failure_is_a_batch_item_failure_so_the_queue_redelivers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "adapter_for", lambda name: FakeAdapter(VendorRetriableError("503", status=503)))
    s3, sqs = _clients()
    body = enrichment_message(Enrichment(vendor="fake", kind="fake.fetch", vendor_event_id="v-1"), "k")
    with Stubber(sqs):  # nothing is sent anywhere
        assert _enrich(body, _deps(s3, sqs)) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_an_unreadable_api_gateway_body_is_400_naming_the_body() -> None:
    s3, sqs = _clients()
    event = {**_apigw_event("cloudevents", b"x", {}), "body": "***", "isBase64Encoded": True}
    reply = serve(event, lambda: _deps(s3, sqs), lambda exc: None)
    assert (reply.status, reply.body["field"]) == (400, "body")


def _archived_before(s3_stub: Stubber, fingerprint: str, code: str = "PreconditionFailed") -> None:
    """S3 refuses the conditional PUT (the object exists, or a racing PUT holds it), then heads it."""
    s3_stub.add_client_error("put_object", code, http_status_code=412 if code == "PreconditionFailed" else 409)
    s3_stub.add_response("head_object", {"Metadata": {"fingerprint": fingerprint}}, {"Bucket": "archive", "Key": ANY})


def _fingerprint(event: dict[str, Any]) -> str:
    """What the CloudEvents adapter stores beside the archive for this delivery."""
    from journeysync.ingest.apigw import request_from_event

    deps = _deps(*_clients())
    request = request_from_event(event, deps.settings)
    adapter = pipeline.adapter_for("cloudevents")
    assert adapter is not None
    return adapter.parse(request, deps.parse_context()).fingerprint


@pytest.mark.parametrize("code", ["PreconditionFailed", "ConditionalRequestConflict"])
def test_a_redelivery_found_in_the_archive_is_queued_again_and_answered_as_the_first(code: str) -> None:
    """The first attempt may have died between archive and queue: only the redelivery can finish it."""
    s3, sqs = _clients()
    event = _apigw_event("cloudevents", *_cloudevent())
    with Stubber(s3) as s3_stub, Stubber(sqs) as sqs_stub:
        _archived_before(s3_stub, _fingerprint(event), code)
        sqs_stub.add_response("send_message_batch", {"Successful": [{"Id": "0", "MessageId": "m", "MD5OfMessageBody": "x"}], "Failed": []})
        reply = serve(event, lambda: _deps(s3, sqs), lambda exc: None)
        sqs_stub.assert_no_pending_responses()
    assert reply.status == 200 and len(reply.body["accepted"]) == 1


def test_the_same_id_archived_with_other_content_is_a_409_and_nothing_is_queued() -> None:
    s3, sqs = _clients()
    with Stubber(s3) as s3_stub, Stubber(sqs):
        _archived_before(s3_stub, "a-different-fingerprint")
        reply = serve(_apigw_event("cloudevents", *_cloudevent()), lambda: _deps(s3, sqs), lambda exc: None)
    assert reply.status == 409 and reply.body["field"] == "id"
