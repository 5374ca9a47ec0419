"""The webhook OpenAPI document describes exactly the routes the template deploys and the vendors ingest knows."""

from __future__ import annotations

from pathlib import Path

import yaml
from journeysync_local.template import load_template, resources_of_type

from journeysync.vendors import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


def _openapi() -> dict:
    return yaml.safe_load((ROOT / "infra" / "openapi" / "webhooks.yaml").read_text())


def test_openapi_routes_are_the_template_routes_of_the_ingest_function() -> None:
    fn = resources_of_type(load_template(ROOT / "template.yaml"), "AWS::Serverless::Function")["WebhookIngestFunction"]
    deployed = {(e["Properties"]["Method"].lower(), e["Properties"]["Path"]) for e in fn["Properties"]["Events"].values()}
    documented = {(method, path) for path, ops in _openapi()["paths"].items() for method in ops}
    assert documented == deployed


def test_openapi_vendor_enum_is_the_adapter_registry() -> None:
    vendors = _openapi()["components"]["parameters"]["vendor"]["schema"]["enum"]
    assert sorted(vendors) == sorted(REGISTRY)
