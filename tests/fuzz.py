"""Fuzzing the deployed handlers over HTTP: schemathesis cases from the OpenAPI documents, plus hypothesis
strategies that sign hostile bodies validly for every vendor (so the fuzz reaches parsing, not just the 401).

`run_fuzz(stack, cases, seed)` sends `cases` requests through the local stack's gateway (the real handlers)
and returns the status counts; `make fuzz` runs 10,000 of them, `make test` a small seeded run.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from journeysync_local.stack import PATH_TOKEN_VENDORS, LocalStack

from journeysync.alerts import tokens
from journeysync.vendors import REGISTRY, adapter_for
from tests.events import samples

OPENAPI = Path(__file__).resolve().parents[1] / "infra" / "openapi"
VENDORS = sorted(REGISTRY)

# --------------------------------------------------------------------------- hostile values


HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "\ud83d", "a\ud800b", "\udfff", "ann\n@example.com", "a\t@b.org", "\x00", "\r\n\r\nX-Injected: 1",
        "<!channel>", "<https://evil.example|re-authenticate>", "&amp;<>", "'; DROP TABLE x; --", "%0A%09%1F",
        "\x1f", "\u2028", "\ufeff", "NaN", "nan", "1e999", "-0", "9" * 40, "../../etc/passwd",
        "https://evil.example/", "\U0001f600" * 3000, "x" * 100_000,
    ]),
)
HOSTILE_NUMBER = st.one_of(
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([10**30, -(10**30), 2**63])
)
HOSTILE_JSON = st.recursive(
    st.none() | st.booleans() | HOSTILE_NUMBER | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=5),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a decoded JSON document (containers included)."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy: Any = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = _replace(copy[head], rest, value)
    return copy


@st.composite
def hostile_body(draw: Any, vendor: str) -> bytes:
    """One of the vendor's real sample deliveries with up to three values anywhere in it made hostile."""
    sample = draw(st.sampled_from(samples(vendor)))
    if sample.body.startswith(b"type="):  # Mailchimp: form-encoded; hostile values in the pairs
        pairs = [p.split("=", 1) for p in sample.body.decode().split("&")]
        for _ in range(draw(st.integers(0, 3))):
            index = draw(st.integers(0, len(pairs) - 1))
            pairs[index] = [pairs[index][0], quote(draw(HOSTILE_TEXT), safe="", errors="surrogatepass")]
        return "&".join("=".join(p) for p in pairs).encode()
    doc = sample.json()
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        doc = _replace(doc, path, draw(HOSTILE_JSON))
    return json.dumps(doc).encode()  # lone surrogates travel as "\\udXXX" escapes, as broken encoders send them


@st.composite
def signed_hostile_delivery(draw: Any, vendor: str, secret: str, url: str) -> tuple[bytes, dict[str, str]]:
    """A hostile body for `vendor` and the headers that make it validly signed with `secret` (as if sent to
    `url`, which Square signs). Path-token vendors sign nothing: their secret goes in the URL."""
    adapter = adapter_for(vendor)
    assert adapter is not None
    body = draw(hostile_body(vendor))
    headers = {"content-type": adapter.content_type}
    headers.update(adapter.signed_headers(secret, body, url=url, now=datetime.now(UTC)))
    return body, headers


# --------------------------------------------------------------------------- schemathesis cases


@cache
def _operations() -> tuple[Any, ...]:
    import schemathesis
    from schemathesis import GenerationMode

    ops = []
    for name in ("webhooks.yaml", "pages.yaml"):
        schema = schemathesis.openapi.from_path(str(OPENAPI / name))
        ops += [(op.ok(), mode) for op in schema.get_all_operations() for mode in GenerationMode]
    return tuple(ops)


def schemathesis_cases() -> st.SearchStrategy[Any]:
    return st.one_of(*[op.as_strategy(mode) for op, mode in _operations()])


# --------------------------------------------------------------------------- one request


@dataclass
class FuzzResult:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # 5xx and transport errors: method, path, status
    unsendable: int = 0  # generated requests no HTTP client can send (an invalid URL): not cases

    @property
    def five_xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        spread = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return f"fuzz: {self.cases} cases, {self.five_xx} 5xx ({spread}; {self.unsendable} unsendable URLs skipped)"


@dataclass
class Target:
    stack: LocalStack
    session: requests.Session
    survey_secret: str
    customer_id: str
    rate_tokens: list[str] = field(default_factory=list)

    def webhook_url(self, vendor: str, token: str | None = None) -> str:
        base = f"{self.stack.url}/webhooks/{vendor}"
        if vendor in PATH_TOKEN_VENDORS:
            base += f"/{token if token is not None else self.stack.vendor_secrets[vendor]}"
        return base

    def sign_url(self, vendor: str) -> str:
        square = self.stack.env.get("WebhookIngestFunction", {}).get("JOURNEYSYNC_SQUARE_NOTIFICATION_URL")
        return square if vendor == "square" and square else self.webhook_url(vendor)


def _body_bytes(kwargs: dict[str, Any]) -> bytes:
    if "json" in kwargs:
        return json.dumps(kwargs.pop("json")).encode()
    data = kwargs.pop("data", b"")
    if isinstance(data, dict):
        from urllib.parse import urlencode

        return urlencode(data).encode()
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data or b"")


def _schemathesis_request(target: Target, case: Any, rnd: random.Random) -> tuple[str, str, dict[str, Any]]:
    kwargs = case.as_transport_kwargs(base_url=target.stack.url)
    method, url = kwargs["method"], kwargs["url"]
    headers = {k: v for k, v in (kwargs.get("headers") or {}).items() if isinstance(v, str)}
    body = _body_bytes(kwargs)
    params = case.path_parameters or {}
    vendor = params.get("vendor")
    if case.path.startswith("/webhooks") and vendor in REGISTRY and rnd.random() < 0.6:
        adapter = adapter_for(vendor)
        assert adapter is not None
        if vendor in PATH_TOKEN_VENDORS:
            url = target.webhook_url(vendor)
        headers.update(adapter.signed_headers(target.stack.vendor_secrets[vendor], body,
                                              url=target.sign_url(vendor), now=datetime.now(UTC)))
    elif case.path.startswith("/survey") and rnd.random() < 0.5:
        url = f"{target.stack.url}/survey/{rnd.choice(target.rate_tokens)}"
    elif case.path.startswith("/alerts") and rnd.random() < 0.5:
        action = str(params.get("action"))
        if action in ("claim", "resolve"):
            token = tokens.sign(target.survey_secret, action, "alert-that-does-not-exist", now=datetime.now(UTC),
                                ttl_seconds=600, extra={"c": target.customer_id, "w": "staff@riverside-museum.example"})
            url = f"{target.stack.url}/alerts/{action}/{token}"
    return method, url, {"headers": headers, "data": body, "params": kwargs.get("params") or None}


def _send(target: Target, result: FuzzResult, method: str, url: str, kwargs: dict[str, Any]) -> None:
    try:
        prepared = target.session.prepare_request(requests.Request(method, url, **kwargs))
    except (requests.RequestException, ValueError):
        result.unsendable += 1
        return
    result.cases += 1
    try:
        response = target.session.send(prepared, timeout=30, allow_redirects=False)
    except requests.RequestException as exc:
        result.statuses[599] += 1
        result.failures.append(f"{method} {url[:120]}: {type(exc).__name__}")
        return
    result.statuses[response.status_code] += 1
    if response.status_code >= 500:
        result.failures.append(f"{method} {url[:120]} → {response.status_code}: {response.text[:200]}")


def make_target(stack: LocalStack, customer_id: str) -> Target:
    secret = stack.vendor_secrets["survey"]
    now = datetime.now(UTC)
    rate = [
        tokens.sign(secret, "rate", customer_id, now=now, ttl_seconds=3600, extra={"t": "fuzz", "sc": "nps"})
        for _ in range(3)
    ]
    rate.append(tokens.sign(secret, "rate", "no-such-customer", now=now, ttl_seconds=3600, extra={"sc": "nps"}))
    rate.append(tokens.sign(secret, "rate", customer_id, now=now - timedelta(days=60), ttl_seconds=60))
    return Target(stack, requests.Session(), secret, customer_id, rate)


def run_fuzz(target: Target, cases: int, seed_value: int) -> FuzzResult:
    """`cases` requests: half schemathesis cases (signed 60% of the time), half signed hostile vendor deliveries."""
    result = FuzzResult()
    rnd = random.Random(seed_value)
    deliveries = st.sampled_from(VENDORS).flatmap(
        lambda v: st.tuples(
            st.just(v), signed_hostile_delivery(v, target.stack.vendor_secrets[v], target.sign_url(v))
        )
    )
    strategy = st.one_of(schemathesis_cases().map(lambda c: ("case", c)), deliveries.map(lambda d: ("vendor", d)))

    @seed(seed_value)
    @settings(max_examples=cases, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[p for p in __import__("hypothesis").Phase if p.name in ("explicit", "generate")])
    @given(strategy)
    def one(drawn: tuple[str, Any]) -> None:
        kind, value = drawn
        if kind == "case":
            method, url, kwargs = _schemathesis_request(target, value, rnd)
        else:
            vendor, (body, headers) = value
            method, url, kwargs = "POST", target.webhook_url(vendor), {"headers": headers, "data": body}
        _send(target, result, method, url, kwargs)

    one()
    return result
