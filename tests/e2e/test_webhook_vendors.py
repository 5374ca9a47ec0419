"""Every vendor end to end through `journeysync dev`'s topology: its signed sample deliveries over HTTP
are archived and their canonical events queued (enrichment calls answered by the vendor stand-in);
and a fuzz of bodies and headers through the real handler never gets a 500."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journeysync_local.stack import PATH_TOKEN_VENDORS, LocalStack
from journeysync_local.vendor_standin import VendorStandIn

from journeysync.vendors import REGISTRY, adapter_for
from tests.e2e.fixtures import StartStack
from tests.events import ROOT, samples

pytestmark = pytest.mark.e2e

SAMPLES = [s for vendor in sorted(REGISTRY) for s in samples(vendor)]


@pytest.fixture(scope="module")
def standin() -> Iterator[VendorStandIn]:
    server = VendorStandIn().start()
    for path in sorted(ROOT.glob("*/api/*.json")):
        vendor, doc = path.parent.parent.name, json.loads(path.read_text())
        collection = {"order": "orders", "customer": "customers", "attendee": "attendees"}.get(path.stem, path.stem)
        server.seed(vendor, collection, str(doc["id"]), doc)
    yield server
    server.stop()


@pytest.fixture
def stack(start_local_stack: StartStack, standin: VendorStandIn) -> LocalStack:
    params = {
        "SquareApiUrl": standin.url,
        "EventbriteApiUrl": f"{standin.url}/v3",
        "ShopifyApiUrl": f"{standin.url}/admin/api/2025-10",
    }
    return start_local_stack(pollers_for=set(), parameters=params)


def _url(stack: LocalStack, vendor: str, token: str | None = None) -> str:
    url = f"{stack.url}/webhooks/{vendor}"
    return url + f"/{token or stack.vendor_secrets[vendor]}" if vendor in PATH_TOKEN_VENDORS else url


def _post(stack: LocalStack, vendor: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    content_type = "application/x-www-form-urlencoded" if vendor == "mailchimp" else "application/json"
    return stack.post_webhook(vendor, body, headers=headers, content_type=content_type, timeout=10)


def _drain(stack: LocalStack, logical_id: str) -> list[dict[str, Any]]:
    sqs, found = stack.client("sqs"), []
    for _ in range(20):
        resp = sqs.receive_message(QueueUrl=stack.resources[logical_id], MaxNumberOfMessages=10, VisibilityTimeout=30)
        if not resp.get("Messages"):
            break
        found += [json.loads(m["Body"]) for m in resp["Messages"]]
    return found


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_signed_vendor_sample_is_archived_and_its_events_queued(stack: LocalStack, sample: Any) -> None:
    resp = _post(stack, sample.vendor, sample.body, sample.headers)
    assert resp.status_code in (200, 202), resp.text
    reply = resp.json()
    listing = stack.client("s3").list_objects_v2(
        Bucket=stack.resources["ArchiveBucket"], Prefix=f"raw/{sample.vendor}/"
    )
    assert listing.get("KeyCount") == 1
    queued = _drain(stack, "EventsQueue")
    assert sorted(e["id"] for e in queued) == sorted(reply.get("accepted", []))
    assert all(e["archive_key"] == listing["Contents"][0]["Key"] for e in queued)
    if resp.status_code == 202:
        assert reply["ignored"] and not queued
    assert reply.get("enrichment_pending", 0) == 0, "the stand-in answers every enrichment call of the samples"


def test_mailchimp_url_validation_get_needs_the_right_token(stack: LocalStack) -> None:
    assert requests.get(_url(stack, "mailchimp"), timeout=10).status_code == 200
    wrong = requests.get(_url(stack, "mailchimp", token="guess"), timeout=10)
    assert (wrong.status_code, wrong.json()) == (401, {"error": "signature mismatch"})


# The fuzz is driven by the webhook OpenAPI document: its routes, methods, vendors and header parameters.
OPENAPI = yaml.safe_load((Path(__file__).resolve().parents[2] / "infra" / "openapi" / "webhooks.yaml").read_text())
ROUTES = [(path, method.upper()) for path, ops in OPENAPI["paths"].items() for method in ops]
DOC_VENDORS = OPENAPI["components"]["parameters"]["vendor"]["schema"]["enum"]
HEADER_NAMES = st.sampled_from(
    sorted(
        {
            p["name"]
            for ops in OPENAPI["paths"].values()
            for op in ops.values()
            for p in op.get("parameters", [])
            if isinstance(p, dict) and p.get("in") == "header"
        }
        | {"content-type", "x-shopify-topic", "x-other"}
    )
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)


def _mutated_sample(draw: Any) -> bytes:
    sample = draw(st.sampled_from(SAMPLES))
    doc = sample.json() if not sample.body.startswith(b"type=") else None
    if isinstance(doc, dict) and doc and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(doc)))
        doc[key] = draw(JSON)
        return json.dumps(doc).encode()
    return sample.body


@st.composite
def deliveries(draw: Any) -> tuple[str, str, str, str | None, bytes, dict[str, str], bool]:
    path, method = draw(st.sampled_from(ROUTES))
    vendor = draw(st.sampled_from(DOC_VENDORS))
    token = draw(st.sampled_from(["right", "wrong"])) if "{token}" in path else None
    body = draw(st.one_of(st.binary(max_size=300), JSON.map(lambda d: json.dumps(d).encode()), st.builds(lambda: b"")))
    if draw(st.booleans()):
        body = _mutated_sample(draw)
    headers = draw(st.dictionaries(HEADER_NAMES, st.text(max_size=60), max_size=4))
    return path, method, vendor, token, body, headers, draw(st.booleans())


def test_no_body_or_header_gets_a_500_or_an_unhandled_exception(stack: LocalStack) -> None:
    """Fuzz the routes of the webhook OpenAPI document through the deployed handler (bounded, 1,500 cases):
    every documented route and method, vendor and header, signed and unsigned, right and wrong path tokens,
    valid JSON, mutated vendor samples and garbage."""
    seen: set[int] = set()

    @settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(deliveries())
    def run(delivery: tuple[str, str, str, str | None, bytes, dict[str, str], bool]) -> None:
        path, method, vendor, token, body, headers, sign = delivery
        adapter = adapter_for(vendor)
        assert adapter is not None
        if sign:
            headers = {
                **headers,
                **adapter.signed_headers(
                    stack.vendor_secrets[vendor], body, url=_url(stack, vendor), now=datetime.now(UTC)
                ),
            }
        event = {
            "version": "2.0",
            "rawPath": path.replace("{vendor}", vendor).replace("{token}", token or ""),
            "rawQueryString": "",
            "headers": headers,
            "body": body.decode("latin-1") if not body else __import__("base64").b64encode(body).decode(),
            "isBase64Encoded": bool(body),
            "pathParameters": {
                "vendor": vendor,
                **({"token": stack.vendor_secrets[vendor] if token == "right" else "guess"} if token else {}),
            },
            "requestContext": {
                "http": {"method": method},
                "domainName": "127.0.0.1",
                "requestId": "fuzz",
                "timeEpoch": int(time.time() * 1000),
            },
        }
        reply = stack.invoke("WebhookIngestFunction", event)
        seen.add(reply["statusCode"])
        assert reply["statusCode"] in {200, 202, 400, 401, 405, 413}, reply
        assert "error" in json.loads(reply["body"]) or reply["statusCode"] in (200, 202)

    run()
    assert {200, 400, 401} <= seen, f"the fuzz never reached parsing or acceptance: {seen}"
