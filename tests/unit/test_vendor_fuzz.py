"""Hostile input never escapes as anything but SignatureError or BadInputError (so never a 500).

Two fuzzers per adapter: arbitrary bytes and headers through verify+parse, and validly signed
mutations of the real samples (a random field replaced by a random JSON value), which get past
verify and so exercise parse deeply. Bounded so the whole file runs in seconds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeysync.errors import BadInputError
from journeysync.vendors import REGISTRY, SignatureError, WebhookRequest
from tests.events import samples
from tests.unit.vendor_helpers import CTX, NOW, SECRET, adapter, request_for

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Unsigned garbage mostly stops at verify, so fewer examples buy the same assurance there.
GARBAGE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VENDORS = sorted(REGISTRY)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "COMPLETED",
            "completed",
            "cancelled",
            "void",
            "true",
            "2026-13-45T99:00:00Z",
            "1e400",
            "NaN",
            "-1",
            "0",
            "12.345",
            "not-an-email",
            "+44",
            "order.placed",
            "orders/paid",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
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
    head, *rest = path
    copy: Any = list(doc) if isinstance(doc, list) else dict(doc)
    copy[head] = _replace(copy[head], tuple(rest), value)
    return copy


def _only_expected_errors(request: WebhookRequest, vendor: str) -> None:
    a = adapter(vendor)
    try:
        a.verify(request, SECRET)
        a.parse(request, CTX)
    except (SignatureError, BadInputError):
        pass


@pytest.mark.parametrize("vendor", VENDORS)
@GARBAGE
@given(
    body=st.binary(max_size=300),
    headers=st.dictionaries(st.text(max_size=40), st.text(max_size=80), max_size=4),
    token=st.one_of(st.none(), st.text(max_size=20)),
)
def test_arbitrary_bytes_and_headers_fail_only_as_signature_or_bad_input(
    vendor: str, body: bytes, headers: dict[str, str], token: str | None
) -> None:
    request = WebhookRequest(
        vendor=vendor,
        body=body,
        headers={k.lower(): v for k, v in headers.items()},
        url="https://hooks.example.org/webhooks/square",
        path_token=token,
        received_at=NOW,
    )
    _only_expected_errors(request, vendor)


JSON_VENDORS = [v for v in VENDORS if v != "mailchimp"]


@pytest.mark.parametrize("vendor", JSON_VENDORS)
@FUZZ
@given(data=st.data())
def test_signed_mutations_of_real_payloads_fail_only_as_bad_input(vendor: str, data: st.DataObject) -> None:
    sample = data.draw(st.sampled_from(samples(vendor)))
    doc = sample.json()
    paths = _paths(doc)
    path = data.draw(st.sampled_from(paths)) if paths else ()
    mutated = _replace(doc, path, data.draw(json_values))
    body = json.dumps(mutated).encode()
    _only_expected_errors(request_for(sample, body), vendor)


@FUZZ
@given(data=st.data())
def test_signed_mutations_of_mailchimp_forms_fail_only_as_bad_input(data: st.DataObject) -> None:
    from urllib.parse import parse_qsl, urlencode

    sample = data.draw(st.sampled_from(samples("mailchimp")))
    pairs = parse_qsl(sample.body.decode())
    index = data.draw(st.integers(min_value=0, max_value=len(pairs) - 1))
    pairs[index] = (pairs[index][0], data.draw(st.text(max_size=40)))
    if data.draw(st.booleans()):
        pairs.append((data.draw(st.text(max_size=20)), data.draw(st.text(max_size=20))))
    _only_expected_errors(request_for(sample, urlencode(pairs).encode()), "mailchimp")
