"""Test tiers: unit = no network; integration = real boto3 against a moto server on loopback;
e2e = the whole local stack over HTTP.

One moto server per test process (per xdist worker), reset between tests that use it.
Tables are created from template.yaml's own KeySchema so tests cannot drift from what deploys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from journeysync_local.moto_server import MotoEndpoint, point_boto3_at, start_moto
from journeysync_local.template import create_table_request, load_template, resources_of_type

# Unit tests must never reach a real AWS account, whatever the developer's shell has.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_var, None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "journeysync-test")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "journeysync-test")
os.environ.setdefault("POWERTOOLS_DEV", "false")


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real `sam build` of template.yaml (for this machine's architecture), once per test process.

    Tests that use it carry `pytest.mark.xdist_group("sam-build")` so they share one build.
    """
    from bench.lambda_sandbox import build_for_this_machine

    return build_for_this_machine(tmp_path_factory.mktemp("sam") / "build")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[MotoEndpoint]:
    endpoint = start_moto()
    saved = {
        k: os.environ.get(k)
        for k in (
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "MOTO_ALLOW_NONEXISTENT_REGION",
        )
    }
    point_boto3_at(endpoint.url)
    from journeysync.aws import reset_clients

    reset_clients()
    yield endpoint
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reset_clients()
    endpoint.stop()


@dataclass
class AwsResources:
    """Names of the template's resources created in the moto server for one test."""

    endpoint: str
    tables: dict[str, str]

    @property
    def table(self) -> str:
        return self.tables["Table"]

    def client(self, service: str) -> Any:
        from journeysync.aws import client

        return client(service)


@pytest.fixture
def aws(moto_endpoint: MotoEndpoint, monkeypatch: pytest.MonkeyPatch) -> AwsResources:
    """A clean moto server holding the template's tables (with unique names) for this test."""
    import boto3

    moto_endpoint.reset()
    suffix = uuid.uuid4().hex[:8]
    ddb = boto3.client("dynamodb")
    tables: dict[str, str] = {}
    for logical_id, resource in resources_of_type(load_template(), "AWS::DynamoDB::Table").items():
        name = f"{logical_id.lower()}-{suffix}"
        ddb.create_table(**create_table_request(name, resource["Properties"]))
        tables[logical_id] = name
    monkeypatch.setenv("JOURNEYSYNC_TABLE_NAME", tables["Table"])
    from journeysync.settings import get_settings

    get_settings.cache_clear()
    return AwsResources(endpoint=moto_endpoint.url, tables=tables)
