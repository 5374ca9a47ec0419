"""journey_report against the moto server: profiles and sync states in the table → HTML + JSON in S3 under reports/."""

from __future__ import annotations

import json

import pytest

from journeysync.destinations.state import SyncStateStore
from journeysync.store.profiles import ProfileStore
from tests.analytics_dataset import customers
from tests.lambda_context import lambda_context

pytestmark = pytest.mark.integration


def test_the_weekly_function_writes_the_report_to_the_archive_bucket(aws, monkeypatch) -> None:
    store = ProfileStore(aws.table)
    states = SyncStateStore(aws.table)
    for customer, customer_states in customers():
        store.save(customer, 0)
        for state in customer_states:
            states.put(state)
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="archive-report-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    monkeypatch.setenv("JOURNEYSYNC_ARCHIVE_BUCKET", "archive-report-test")

    from journey_report.app import lambda_handler

    result = lambda_handler({}, lambda_context("journey_report", 900_000, memory_mb=1024))

    assert result["customers"] == 5
    assert result["html"].startswith("reports/journey-report-") and result["html"].endswith(".html")
    html = s3.get_object(Bucket="archive-report-test", Key=result["html"])["Body"].read().decode()
    assert "data-section='freshness'" in html
    data = json.loads(s3.get_object(Bucket="archive-report-test", Key=result["json"])["Body"].read())
    assert data["no_journey"] == 2
    # SES is the enabled destination in infra/config: both SES states were read, paired with vendor events
    ses = next(f for f in data["freshness"] if f["destination"] == "ses")
    assert (ses["contacts"], ses["p50_seconds"], ses["p95_seconds"]) == (2, 10.0, 30.0)
