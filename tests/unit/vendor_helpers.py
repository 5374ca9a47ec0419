"""Shared by the per-vendor tests: a signed delivery of a sample, parsed, and an API to enrich with."""

from __future__ import annotations

from datetime import UTC, datetime

from journeysync.config.loader import load_config
from journeysync.vendors import (
    EnrichContext,
    ParseContext,
    Parsed,
    VendorAdapter,
    VendorApi,
    WebhookRequest,
    adapter_for,
)
from tests.events import Sample, load_sample

SECRET = "whsec-vendor-tests"
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CATALOGUE = load_config("infra/config").catalogue
CTX = ParseContext(catalogue=CATALOGUE, now=lambda: NOW)


def adapter(vendor: str) -> VendorAdapter:
    found = adapter_for(vendor)
    assert found is not None
    return found


def request_for(sample: Sample, body: bytes | None = None) -> WebhookRequest:
    a = adapter(sample.vendor)
    raw = sample.body if body is None else body
    headers = {**a.signed_headers(SECRET, raw, url=sample.url, now=NOW), **sample.headers}
    return WebhookRequest(
        vendor=sample.vendor,
        body=raw,
        headers={k.lower(): v for k, v in headers.items()},
        url=sample.url,
        path_token=SECRET if a.secret_kind == "path_token" else None,
        received_at=NOW,
    )


def parsed(vendor: str, name: str, body: bytes | None = None, ctx: ParseContext = CTX) -> Parsed:
    sample = load_sample(vendor, name)
    request = request_for(sample, body)
    a = adapter(vendor)
    a.verify(request, SECRET)
    return a.parse(request, ctx)


def enrich_context(vendor: str, base_url: str, **headers: str) -> EnrichContext:
    a = adapter(vendor)
    api = VendorApi(vendor, base_url, "api-token", headers, token_header=a.api_token_header, sleep=lambda s: None)
    return EnrichContext(parse=CTX, api=api)
