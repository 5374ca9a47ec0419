"""A hostile sender or a mail scanner cannot block, crash or mislead: one test per way that used to work."""

from __future__ import annotations

import fnmatch
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import responses
from botocore.stub import ANY, Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeysync.alerts import tokens
from journeysync.alerts.model import Alert
from journeysync.alerts.notify import render
from journeysync.config.catalogue import Catalogue
from journeysync.config.loader import load_config
from journeysync.connectors.http import VendorFatalError
from journeysync.errors import BadInputError
from journeysync.ingest.apigw import serve
from journeysync.ingest.pipeline import IngestDeps
from journeysync.ingest.settings import IngestSettings
from journeysync.models.events import (
    CustomerEvent,
    IdentityKeys,
    LineItem,
    Money,
    PurchaseCompleted,
    SurveyResponded,
    TicketBooked,
)
from journeysync.models.limits import COMMENT_CHARS, LABEL_CHARS, MAX_LIST_ITEMS, TRUNCATION_MARK, truncate
from journeysync.models.validation import parse_model
from journeysync.profile.fold import FoldContext, apply_event, new_customer
from journeysync.reconcile.diff import Actual, Expected, diff_streams
from journeysync.store.budget import ITEM_BUDGET_BYTES, ItemTooLargeError, item_size, within_budget
from journeysync.store.layout import customer_items
from journeysync.vendors import SignatureError, VendorApi, WebhookRequest
from journeysync.vendors.base import fresh
from journeysync.vendors.cloudevents import sign
from tests.events import load_sample, samples
from tests.fuzz import VENDORS, signed_hostile_delivery
from tests.unit.test_template_security import render as render_arn
from tests.unit.test_template_security import resources
from tests.unit.vendor_helpers import CTX, SECRET, adapter, parsed, request_for

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CONFIG = load_config()


# --------------------------------------------------------------------------- field caps and the item budget


def _typeform_with_comment(comment: str, token: str) -> bytes:
    doc = load_sample("typeform", "form-response-visit").json()
    doc["event_id"] = f"ev-{token}"
    doc["form_response"]["token"] = token
    doc["form_response"]["answers"][1]["text"] = comment
    return json.dumps(doc).encode()


def test_a_97kb_typeform_comment_is_truncated_with_a_marker() -> None:
    result = parsed("typeform", "form-response-visit", _typeform_with_comment("x" * 97_000, "t1"))
    [event] = [e for e in result.events if isinstance(e.data, SurveyResponded)]
    assert event.data.comment is not None
    assert len(event.data.comment) == COMMENT_CHARS and event.data.comment.endswith(TRUNCATION_MARK)


def test_no_sequence_of_maximal_events_makes_a_profile_unwritable() -> None:
    """Every list the profile keeps filled to its cap with every string at its cap in 4-byte characters."""
    ctx = FoldContext(config=CONFIG, now=NOW)
    customer = new_customer("c-big", ctx)
    wide = "\U0001f600" * 5_000
    ident = IdentityKeys(emails=("big@example.org",))
    for n in range(30):
        data = SurveyResponded(response_id=f"r{n}", scale="nps", score=1, comment=wide, touchpoint=wide, location=wide)
        event = CustomerEvent.create(source="typeform", vendor_event_id=f"s{n}", time=NOW + timedelta(seconds=n),
                                     data=data, identity=ident)
        customer = apply_event(customer, event, ctx)
    for n in range(120):
        data = TicketBooked(order_id=f"{n:03d}".ljust(128, "o"), event_ref=f"{n:03d}".ljust(128, "e"), event_name=wide, ticket_class=wide)
        event = CustomerEvent.create(source="eventbrite", vendor_event_id=f"b{n}", time=NOW + timedelta(seconds=n),
                                     data=data, identity=ident)
        customer = apply_event(customer, event, ctx)
    for n in range(60):
        items = tuple(LineItem(title=wide, sku="s".ljust(128, "k")) for _ in range(MAX_LIST_ITEMS))
        data = PurchaseCompleted(order_id=f"{n:03d}".ljust(128, "p"), total=Money(amount=1, currency="GBP"),
                                 items=items, location=wide, division=wide)
        event = CustomerEvent.create(source="shopify", vendor_event_id=f"p{n}", time=NOW + timedelta(seconds=n),
                                     data=data, identity=ident)
        customer = apply_event(customer, event, ctx)
    assert len(customer.profile.ratings) == 20
    size = max(item_size(item) for item in customer_items(customer).values())
    print(f"worst-case profile item: {size:,} bytes")
    assert size < ITEM_BUDGET_BYTES < 400 * 1024


def test_the_store_refuses_an_item_over_the_budget_naming_it() -> None:
    item = {"pk": {"S": "c#1"}, "doc": {"S": "x" * (ITEM_BUDGET_BYTES + 1)}}
    with pytest.raises(ItemTooLargeError, match=r"profile c-1 would be 350,009 bytes, over the 350,000-byte"):
        within_budget(item, "profile c-1")


def test_a_reference_over_its_cap_is_refused_naming_the_field() -> None:
    with pytest.raises(BadInputError) as exc:
        parse_model(SurveyResponded, {"response_id": "r" * 200, "scale": "nps", "score": 3})
    assert exc.value.field == "response_id"


# any string a vendor can send, lone surrogates included (hypothesis's text() never draws them)
_ANY_TEXT = st.lists(
    st.one_of(st.characters(), st.sampled_from("\t\n\r\x1f%"), st.integers(0xD800, 0xDFFF).map(chr)), max_size=30
).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=3000), _ANY_TEXT), st.integers(min_value=10, max_value=2000))
def test_truncation_keeps_any_text_within_both_caps_and_encodable(text: str, chars: int) -> None:
    cut = truncate(text, chars, chars * 2)
    assert len(cut) <= chars and len(cut.encode()) <= chars * 2  # encode() fails on a lone surrogate
    clean = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    if len(clean) <= chars and len(clean.encode()) <= chars * 2:
        assert cut == clean  # within the caps nothing is lost
    else:
        assert cut.endswith(TRUNCATION_MARK) and clean.startswith(cut.removesuffix(TRUNCATION_MARK))


def test_label_caps_apply_to_names() -> None:
    from journeysync.models.events import CustomerUpdated

    data = CustomerUpdated(given_name="A" * 5000)
    assert data.given_name is not None and len(data.given_name) == LABEL_CHARS


# --------------------------------------------------------------------------- emails and the reconcile spill


@pytest.mark.parametrize("bad", ["ann\n@example.com", "ann\t@example.com", "ann@exa mple.com", "Ann <ann@x.org>",
                                 "ann@[10.0.0.1]", '"a b"@x.org'])
def test_an_invalid_email_is_a_400_naming_the_field(bad: str) -> None:
    with pytest.raises(BadInputError) as exc:
        parse_model(IdentityKeys, {"emails": [bad]})
    assert exc.value.field == "emails"




@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT, _ANY_TEXT, st.lists(_ANY_TEXT.filter(bool), max_size=4), _ANY_TEXT, st.booleans())
def test_the_reconcile_spill_round_trips_any_string(
    email: str, cid: str, audiences: list[str], status: str, flag: bool
) -> None:
    e = Expected(email, cid, tuple(audiences), subscribed=flag, must_exist=not flag)
    a = Actual(email, tuple(audiences), subscribed=flag, status=status)
    assert Expected.decode(e.encode()) == e
    assert Actual.decode(a.encode()) == a


def test_reconcile_survives_separators_in_an_address(tmp_path: Any) -> None:
    weird = ["a\n@x.org", "b\t@x.org", "c\r@x.org", "d\x1f@x.org", "e%0A@x.org", "\ud83d@x.org"]
    expected = [Expected(w, f"c{i}", ("members",), subscribed=True, must_exist=True) for i, w in enumerate(weird)]
    drift = list(diff_streams(expected, [Actual(weird[0], ("members",), subscribed=True)], spill_dir=tmp_path))
    assert sorted(d.email for d in drift) == sorted(weird[1:])
    assert {d.kind for d in drift} == {"missing"}


# --------------------------------------------------------------------------- the ingest path


def _clients() -> tuple[Any, Any]:
    kw = {"region_name": "eu-west-2", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    return boto3.client("s3", **kw), boto3.client("sqs", **kw)


def _deps(s3: Any, sqs: Any, secret: str | None = "unit-secret") -> IngestDeps:
    settings_ = IngestSettings(
        events_queue_url="https://sqs.eu-west-2.amazonaws.com/1/events.fifo",
        enrichment_queue_url="https://sqs.eu-west-2.amazonaws.com/1/enrich",
        enrichment_dlq_url="https://sqs.eu-west-2.amazonaws.com/1/enrich-dlq",
        archive_bucket="archive",
    )
    return IngestDeps(settings=settings_, secret=lambda _v: secret, catalogue=Catalogue(), s3=s3, sqs=sqs,
                      api=lambda _v, _i: None)


def _apigw(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "rawPath": "/webhooks/cloudevents", "headers": headers, "body": body.decode(), "isBase64Encoded": False,
        "pathParameters": {"vendor": "cloudevents"},
        "requestContext": {"http": {"method": "POST"}, "domainName": "api.example", "timeEpoch": int(time.time() * 1000)},
    }


def _survey_cloudevent(comment: str) -> bytes:
    # json.dumps writes a lone surrogate as the escape "\ud83d", exactly as a sender's broken encoder would
    return json.dumps({
        "id": "e-surrogate", "source": "kiosk", "type": "survey.responded", "time": "2026-11-30T10:00:00Z",
        "identity": {"emails": ["ann@example.com"]},
        "data": {"response_id": "r-1", "scale": "nps", "score": 9, "comment": comment},
    }).encode()


def test_a_lone_surrogate_in_a_comment_is_replaced_and_the_delivery_accepted_not_a_503() -> None:
    s3, sqs = _clients()
    body = _survey_cloudevent("great \ud83d")
    sent: list[str] = []
    with Stubber(s3) as s3_stub, Stubber(sqs) as sqs_stub:
        s3_stub.add_response("put_object", {}, {"Bucket": "archive", "Key": ANY, "Body": ANY, "ContentType": ANY,
                                                "IfNoneMatch": "*", "Metadata": ANY})
        sqs_stub.add_response("send_message_batch", {"Successful": [], "Failed": []},
                              {"QueueUrl": ANY, "Entries": ANY})
        original = sqs.send_message_batch

        def spy(**kw: Any) -> Any:
            sent.extend(e["MessageBody"] for e in kw["Entries"])
            return original(**kw)

        sqs.send_message_batch = spy  # type: ignore[method-assign]
        reply = serve(_apigw(body, {"x-journeysync-signature": sign("unit-secret", body, int(time.time()))}),
                      lambda: _deps(s3, sqs), lambda exc: None)
    assert reply.status == 200, reply.body
    [message] = sent
    assert json.loads(message)["data"]["comment"] == "great \ufffd"


def test_a_refused_delivery_archives_nothing() -> None:
    s3, sqs = _clients()
    body = json.dumps({
        "id": "e-long", "source": "kiosk", "type": "survey.responded", "time": "2026-11-30T10:00:00Z",
        "identity": {"emails": ["ann@example.com"]}, "data": {"response_id": "r" * 300, "scale": "nps", "score": 9},
    }).encode()
    with Stubber(s3), Stubber(sqs):  # no responses queued: any S3 or SQS call would fail the request with a 503
        reply = serve(_apigw(body, {"x-journeysync-signature": sign("unit-secret", body, int(time.time()))}),
                      lambda: _deps(s3, sqs), lambda exc: None)
    assert (reply.status, reply.body["field"]) == (400, "data.response_id")


def test_a_model_an_adapter_builds_directly_refusing_a_value_is_a_400_not_a_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from journeysync.ingest import pipeline
    from journeysync.vendors.cloudevents import CloudEventsAdapter

    class Overfull(CloudEventsAdapter):
        def parse(self, request: Any, ctx: Any) -> Any:
            return IdentityKeys(emails=tuple(f"a{n}@example.org" for n in range(11)))

    monkeypatch.setattr(pipeline, "adapter_for", lambda name: Overfull())
    s3, sqs = _clients()
    body = _survey_cloudevent("hi")
    with Stubber(s3), Stubber(sqs):
        reply = serve(_apigw(body, {"x-journeysync-signature": sign("unit-secret", body, int(time.time()))}),
                      lambda: _deps(s3, sqs), lambda exc: None)
    assert (reply.status, reply.body["field"]) == (400, "emails")


def test_an_unconfigured_vendor_answers_exactly_like_a_bad_signature_and_logs_why() -> None:
    s3, sqs = _clients()
    body = _survey_cloudevent("hi")
    for secret in (None, "", "   \n"):
        reply = serve(_apigw(body, {"x-journeysync-signature": "t=1,v1=00"}), lambda s=secret: _deps(s3, sqs, s),
                      lambda exc: None)
        assert (reply.status, reply.body) == (401, {"error": "signature mismatch"})
        assert reply.reason == "no webhook secret configured for cloudevents"


def test_a_whitespace_only_secret_is_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from journeysync import secrets

    class Provider:
        def get(self, name: str, max_age: int) -> str:
            return " \t\n"

    monkeypatch.setattr(secrets, "_provider", lambda _c: Provider())
    monkeypatch.setattr("journeysync.aws.client", lambda name: object())
    assert secrets.get_secret("typeform", prefix="journeysync/") is None
    with pytest.raises(tokens.TokenError):
        tokens.verify("   ", "a.b", "rate", now=NOW)


@pytest.mark.parametrize("stamp", ["nan", "NaN", "inf", "-inf", "infinity"])
def test_a_non_finite_timestamp_is_not_fresh(stamp: str) -> None:
    with pytest.raises(SignatureError, match="malformed"):
        fresh(stamp, NOW)


@pytest.mark.parametrize("vendor", ["cloudevents", "tickettailor"])
def test_t_nan_is_refused_by_every_timestamped_signature(vendor: str) -> None:
    a = adapter(vendor)
    sample = load_sample(vendor, next(iter(_sample_names(vendor))))
    request = request_for(sample)
    header = next(k for k in request.headers if "signature" in k)
    forged = dict(request.headers)
    forged[header] = forged[header].replace(forged[header].split(",")[0], "t=nan")
    with pytest.raises(SignatureError):
        a.verify(type(request)(**{**request.__dict__, "headers": forged}), SECRET)


def _sample_names(vendor: str) -> list[str]:
    from tests.events import ROOT

    return sorted(p.stem for p in (ROOT / vendor).glob("*.json"))


def test_a_shopify_topic_header_the_body_contradicts_is_a_400_naming_the_header() -> None:
    a = adapter("shopify")
    paid = request_for(load_sample("shopify", "orders-paid"))
    a.verify(paid, SECRET)
    as_cancelled = type(paid)(**{**paid.__dict__, "headers": {**paid.headers, "x-shopify-topic": "orders/cancelled"}})
    a.verify(as_cancelled, SECRET)  # the header is outside the signature: it still verifies
    with pytest.raises(BadInputError) as exc:
        a.parse(as_cancelled, CTX)
    assert exc.value.field == "headers.x-shopify-topic"
    cancelled = request_for(load_sample("shopify", "orders-cancelled"))
    as_paid = type(cancelled)(**{**cancelled.__dict__, "headers": {**cancelled.headers, "x-shopify-topic": "orders/paid"}})
    with pytest.raises(BadInputError):
        a.parse(as_paid, CTX)
    assert a.parse(paid, CTX).events  # the genuine topic still parses


@pytest.mark.parametrize("vendor", VENDORS)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_validly_signed_hostile_bodies_verify_then_parse_or_are_a_400(vendor: str, data: st.DataObject) -> None:
    """Every vendor: the signature is right, so only parsing stands between a hostile body and the queue."""
    a = adapter(vendor)
    url = samples(vendor)[0].url or f"https://hooks.example/webhooks/{vendor}"
    body, headers = data.draw(signed_hostile_delivery(vendor, SECRET, url))
    if vendor == "shopify" and data.draw(st.booleans()):
        headers["x-shopify-topic"] = data.draw(st.sampled_from(["orders/paid", "orders/cancelled", "refunds/create"]))
    request = WebhookRequest(vendor=vendor, body=body, headers={k.lower(): v for k, v in headers.items()}, url=url,
                             path_token=SECRET if a.secret_kind == "path_token" else None, received_at=datetime.now(UTC))
    a.verify(request, SECRET)
    try:
        result = a.parse(request, CTX)
    except BadInputError as exc:
        assert exc.field
        return
    for event in result.events:
        event.model_dump_json().encode()  # what the queue send does: must never fail after archiving


# --------------------------------------------------------------------------- link tokens


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.sampled_from(list("=+/ .\n%AQgw_-")))
def test_no_altered_spelling_of_a_token_verifies(position: int, char: str) -> None:
    text = tokens.sign("k" * 32, "rate", "cust-1", now=NOW, ttl_seconds=60, nonce="n1")
    at = position % (len(text) + 1)
    altered = text[:at] + char + text[at:]
    with pytest.raises(tokens.TokenError):
        tokens.verify("k" * 32, altered, "rate", now=NOW)


def test_a_token_with_non_canonical_padding_bits_is_refused() -> None:
    text = tokens.sign("k" * 32, "rate", "cust-1", now=NOW, ttl_seconds=60, nonce="n1")
    payload, signature = text.split(".")
    # the last character of an unpadded base64 group carries spare bits; flipping them decodes to the same bytes
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(tokens.TokenError):
        tokens.verify("k" * 32, f"{payload}.{signature[:-1]}{twin}", "rate", now=NOW)


# --------------------------------------------------------------------------- outbound calls


@responses.activate
def test_a_credentialed_call_never_follows_a_redirect() -> None:
    responses.get("https://shop.example/admin/api/orders/1.json", status=302,
                  headers={"Location": "https://evil.example/steal"})
    responses.get("https://evil.example/steal", json={"stolen": True})
    api = VendorApi("shopify", "https://shop.example/admin/api", "shpat_secret", token_header="X-Shopify-Access-Token",
                    sleep=lambda s: None)
    with pytest.raises(VendorFatalError, match="302"):
        api.get_json("orders/1.json")
    assert [c.request.url for c in responses.calls] == ["https://shop.example/admin/api/orders/1.json"]


def _alert(comment: str) -> Alert:
    return Alert(id="a1", customer_id="c1", response_id="r1", scale="nps", score=1, sentiment="detractor",
                 comment=comment, team="membership", assignee="m@x.org", created_at=NOW, updated_at=NOW,
                 sla_due_at=NOW)


def test_customer_text_cannot_ping_a_channel_or_disguise_a_link_in_slack() -> None:
    message = render(_alert("<!channel> please <https://evil.example|re-authenticate> & go"), "new", "c", "r")
    fields = json.dumps(message.slack["blocks"][1])
    assert "<!channel>" not in fields and "<https://evil.example" not in fields
    assert "&lt;!channel&gt;" in fields and "&lt;https://evil.example|re-authenticate&gt; &amp; go" in fields
    assert "\n" not in message.subject and "\r" not in message.subject


# --------------------------------------------------------------------------- IAM


def _ingest_secret_patterns(function: str) -> list[str]:
    role = resources("AWS::IAM::Role")[f"{function}Role"]
    patterns = []
    for policy in role.get("Policies") or []:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if "secretsmanager:GetSecretValue" in actions:
                res = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                patterns += [render_arn(r).rsplit(":secret:", 1)[1].replace("<SecretsPrefix>", "journeysync/") for r in res]
    return patterns


@pytest.mark.parametrize("function", ["WebhookIngestFunction", "WebhookEnrichFunction"])
def test_the_webhook_functions_cannot_read_the_mailchimp_api_key(function: str) -> None:
    patterns = _ingest_secret_patterns(function)
    assert patterns
    for other in ("journeysync/mailchimp-api-key-AbC123", "journeysync/hubspot-AbC123", "journeysync/survey-AbC123"):
        assert not any(fnmatch.fnmatchcase(other, p) for p in patterns), other
    if function == "WebhookIngestFunction":
        assert any(fnmatch.fnmatchcase("journeysync/mailchimp-AbC123", p) for p in patterns)
