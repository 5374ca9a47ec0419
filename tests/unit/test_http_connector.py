from __future__ import annotations

import pytest
import requests
import responses

from journeysync.connectors.http import HttpConnector, VendorFatalError, VendorRetriableError, parse_retry_after
from journeysync.connectors.ratelimit import TokenBucket

BASE = "https://api.vendor.example"


def _connector() -> tuple[HttpConnector, list[float]]:
    slept: list[float] = []
    return HttpConnector(BASE, sleep=slept.append), slept


@responses.activate
def test_throttled_call_waits_for_retry_after_then_succeeds() -> None:
    responses.post(f"{BASE}/x", status=429, headers={"Retry-After": "2"})
    responses.post(f"{BASE}/x", json={"ok": True})
    conn, slept = _connector()
    assert conn.request("POST", "/x", json={}).json() == {"ok": True}
    assert slept == [2.0]
    assert conn.calls == 2


@responses.activate
def test_long_retry_after_is_handed_back_to_the_queue() -> None:
    responses.post(f"{BASE}/x", status=429, headers={"Retry-After": "120"})
    conn, slept = _connector()
    with pytest.raises(VendorRetriableError) as exc:
        conn.request("POST", "/x")
    assert exc.value.retry_after == 120
    assert slept == []


@responses.activate
def test_server_errors_are_retried_with_backoff_then_reported_retriable() -> None:
    for _ in range(4):
        responses.get(f"{BASE}/x", status=503)
    conn, slept = _connector()
    with pytest.raises(VendorRetriableError) as exc:
        conn.request("GET", "/x")
    assert exc.value.status == 503
    assert len(slept) == 3 and all(0 < s <= conn.backoff_cap for s in slept)


@responses.activate
def test_client_errors_are_fatal_with_the_reason() -> None:
    responses.post(f"{BASE}/x", status=400, json={"title": "Member In Compliance State"})
    conn, slept = _connector()
    with pytest.raises(VendorFatalError) as exc:
        conn.request("POST", "/x")
    assert exc.value.status == 400
    assert "Compliance" in str(exc.value)
    assert slept == []


@responses.activate
def test_timeouts_are_retriable() -> None:
    responses.get(f"{BASE}/x", body=requests.ConnectTimeout())
    responses.get(f"{BASE}/x", json={})
    conn, _ = _connector()
    assert conn.request("GET", "/x").status_code == 200


def test_retry_after_parses_seconds_and_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_token_bucket_spaces_calls_to_the_rate() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(10, burst=10, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        bucket.acquire()
    assert now[0] == pytest.approx(2.0, rel=0.01)  # 10 free, then 20 more at 10/s
