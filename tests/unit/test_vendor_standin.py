from __future__ import annotations

from collections.abc import Iterator

import pytest

from journeysync.connectors.http import HttpConnector, VendorRetriableError
from journeysync_cli.vendor_standin import VendorStandIn


@pytest.fixture
def standin() -> Iterator[VendorStandIn]:
    server = VendorStandIn().start()
    yield server
    server.stop()


def test_injected_throttling_is_retried_by_the_real_connector(standin: VendorStandIn) -> None:
    standin.inject(r"^/crm/", "429", times=2, retry_after=0)
    conn = HttpConnector(standin.url, sleep=lambda s: None)
    resp = conn.request("POST", "/crm/v3/objects/contacts/batch/upsert", json={"inputs": [{"id": "a@b.org"}]})
    assert resp.json()["results"][0]["properties"] == {}
    assert len(standin.calls("/crm/")) == 3


def test_a_hanging_vendor_times_out_as_retriable(standin: VendorStandIn) -> None:
    standin.inject(r"^/services/", "timeout", times=5, hang_seconds=1.0)
    conn = HttpConnector(standin.url, timeout=(0.5, 0.2), sleep=lambda s: None)
    conn.max_attempts = 2
    with pytest.raises(VendorRetriableError):
        conn.request("POST", "/services/T/B/X", json={"text": "hi"})


def test_unknown_paths_answer_404_like_a_vendor(standin: VendorStandIn) -> None:
    conn = HttpConnector(standin.url, sleep=lambda s: None)
    with pytest.raises(Exception, match="404"):
        conn.request("GET", "/nope")
