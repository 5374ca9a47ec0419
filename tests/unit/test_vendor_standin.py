from __future__ import annotations

from collections.abc import Iterator

import pytest
from journeysync_local.vendor_standin import VendorStandIn

from journeysync.connectors.http import HttpConnector, VendorRetriableError


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


def test_seeded_vendor_objects_answer_the_enrichment_calls_at_their_real_paths(standin: VendorStandIn) -> None:
    from journeysync.vendors import VendorApi
    from tests.events import api_answer

    standin.seed("square", "orders", "ord-1", {"id": "ord-1", "line_items": []})
    standin.seed("eventbrite", "orders", "42", api_answer("eventbrite", "order"))
    square = VendorApi("square", standin.url, "t", sleep=lambda s: None)
    assert square.get_json("v2/orders/ord-1") == {"order": {"id": "ord-1", "line_items": []}}
    eventbrite = VendorApi("eventbrite", f"{standin.url}/v3", "t", sleep=lambda s: None)
    assert eventbrite.get_json("orders/42/", params={"expand": "attendees"})["event_id"] == "717926867587"
    with pytest.raises(Exception, match="404"):
        square.get_json("v2/customers/nobody")


def test_square_enrichment_runs_end_to_end_against_the_standin(standin: VendorStandIn) -> None:
    from journeysync.vendors import EnrichContext, ParseContext, VendorApi, adapter_for
    from tests.events import api_answer
    from tests.unit.vendor_helpers import CATALOGUE, parsed

    standin.seed("square", "orders", "kKyi7BmBpnBpQEjoGS2vZfAwV9eZY", api_answer("square", "order"))
    standin.seed("square", "customers", "JDKYHBWT1D4F8MFH63DBMEN8Y4", api_answer("square", "customer"))
    job = parsed("square", "payment-updated-completed").enrichments[0]
    api = VendorApi("square", standin.url, "t", sleep=lambda s: None)
    square = adapter_for("square")
    assert square is not None
    events = square.enrich(job, EnrichContext(parse=ParseContext(catalogue=CATALOGUE), api=api))
    assert [e.type for e in events][:2] == ["membership.purchased", "purchase.completed"]
    assert standin.calls("/v2/orders/")[0].headers["square-version"]
