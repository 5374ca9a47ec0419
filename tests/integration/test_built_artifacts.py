"""What `sam build` produces runs: each built handler, with only its code, its layers and the runtime's boto3.

The build is the real `sam build` (the makefiles, the hashed locks, compileall), for this machine's
architecture so its compiled wheels load here; each handler is imported and invoked once in a fresh
interpreter with no virtualenv on its path and every AWS call stopped at the first (bench/lambda_sandbox.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from bench.lambda_sandbox import Handler, handlers, run_handler, runtime_dir
from tests.deploy_parameters import DEPLOY_PARAMETERS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600), pytest.mark.xdist_group("sam-build")]

BROKEN_PACKAGING = ("ImportError", "ModuleNotFoundError", "SyntaxError", "AttributeError", "ConfigError")


@pytest.fixture(scope="module")
def build(sam_build: Path) -> Path:
    return sam_build


@pytest.fixture(scope="module")
def built_handlers(build: Path) -> list[Handler]:
    return handlers(build, DEPLOY_PARAMETERS)


@pytest.fixture(scope="module")
def runs(built_handlers: list[Handler], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    runtime = runtime_dir(tmp_path_factory.mktemp("runtime"))
    return {h.logical_id: run_handler(h, runtime) for h in built_handlers}


def test_every_built_handler_reaches_its_first_aws_call_or_completes(runs: dict[str, dict[str, Any]]) -> None:
    assert len(runs) >= 12
    for logical_id, run in runs.items():
        error = run["error"] or ""
        assert not error.startswith(BROKEN_PACKAGING), f"{logical_id}: {error}\n{run['stderr'][-2000:]}"
        assert run["first_aws_call"] or not error, f"{logical_id} failed before any AWS call: {error}"
        assert run["outside"] == [], f"{logical_id} imported from outside its function and layers: {run['outside']}"


def test_handlers_import_only_what_the_layers_ship(runs: dict[str, dict[str, Any]]) -> None:
    for logical_id, run in runs.items():
        assert "pygal" not in run["modules"], f"{logical_id} loads the chart library"
        assert "yaml" not in run["modules"], f"{logical_id} parses YAML (the config layer's config.json is JSON)"


def test_webhook_ingest_loads_no_http_client_until_a_webhook_needs_a_vendor_lookup(
    runs: dict[str, dict[str, Any]],
) -> None:
    loaded = runs["WebhookIngestFunction"]["modules"]
    assert "tenacity" not in loaded and "requests" not in loaded, "the vendor API client loads on every cold start"


def test_every_built_handler_turns_the_collector_back_on_after_its_first_invocation(
    runs: dict[str, dict[str, Any]],
) -> None:
    for logical_id, run in runs.items():
        assert run["gc_enabled"], f"{logical_id} left the garbage collector paused"
        assert run["gc_frozen"] > 10_000, f"{logical_id} did not freeze its init objects ({run['gc_frozen']})"


def test_queue_handlers_load_powertools_batch_without_its_pydantic_parser_models(
    runs: dict[str, dict[str, Any]], built_handlers: list[Handler],
) -> None:
    queue_handlers = [h.logical_id for h in built_handlers if "Records" in h.event]
    assert len(queue_handlers) >= 6
    for logical_id in queue_handlers:
        assert not runs[logical_id]["powertools_parser"], f"{logical_id} loaded Powertools' parser models"


def test_the_shared_layer_ships_no_boto3_and_no_pygal_and_the_report_layer_has_pygal(build: Path) -> None:
    shared = build / "SharedLayer" / "python"
    assert (shared / "journeysync").is_dir() and (shared / "aws_lambda_powertools").is_dir()
    for name in ("boto3", "botocore", "s3transfer", "pygal", "phonenumbers/geodata", "phonenumbers/carrierdata"):
        assert not (shared / name).exists(), f"the shared layer ships {name}"
    assert (build / "ReportLayer" / "python" / "pygal").is_dir()
    config = build / "ConfigLayer"
    assert (config / "config.json").is_file() and (config / "catalogue.yaml").is_file()
    assert not (config / "Makefile").exists()


def test_every_module_of_every_artifact_ships_bytecode_valid_whatever_its_mtime(build: Path) -> None:
    tag = importlib.util.cache_from_source("x.py").rsplit(".", 2)[-2]  # cpython-313
    sources = [p for p in build.rglob("*.py") if "-template" not in p.name]
    assert len(sources) > 500
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        assert pyc.is_file(), f"no bytecode for {source.relative_to(build)}"
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{pyc.name}: not unchecked-hash bytecode (flags {flags:#b})"
