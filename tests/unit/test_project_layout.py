"""The layer's requirements, the template and the package layout agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from journeysync_local.template import load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
CLI_ONLY = {"typer", "rich"}
RUNTIME_PROVIDED = {"boto3"}  # the Lambda runtime's own boto3 (a copy in the layer only slows every cold start)
LAYERS = {"shared": ROOT / "shared", "report": ROOT / "layers" / "report"}
REPORT_ONLY = {"pygal"}


def _name(requirement: str) -> str:
    for sep in "<>=[; ":
        requirement = requirement.split(sep)[0]
    return requirement.lower()


def _requirements(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def test_layer_requirements_match_the_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {d for d in project["dependencies"] if _name(d) not in CLI_ONLY | RUNTIME_PROVIDED}
    shared = _requirements(LAYERS["shared"] / "requirements.txt")
    report = _requirements(LAYERS["report"] / "requirements.txt")
    assert shared == {d for d in runtime if _name(d) not in REPORT_ONLY}
    assert report == {d for d in runtime if _name(d) in REPORT_ONLY}


def _locked(lock: Path) -> dict[str, str]:
    """name → version of every `name==version \\` entry, each followed by at least one sha256 hash."""
    text = lock.read_text()
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M)
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)), f"{lock}: an entry without hashes"
    return {name.lower(): version for name, version, _ in entries}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_lock_pins_every_requirement_with_hashes_and_leaves_boto3_to_the_runtime(layer: str) -> None:
    locked = _locked(LAYERS[layer] / "requirements.lock")
    wanted = {_name(r) for r in _requirements(LAYERS[layer] / "requirements.txt")}
    assert wanted <= set(locked), f"make lock: {sorted(wanted - set(locked))} not pinned"
    assert not {"boto3", "botocore", "s3transfer"} & set(locked)
    assert "pygal" not in locked or layer == "report"


def test_every_function_handler_points_at_a_real_module() -> None:
    template = load_template(ROOT / "template.yaml")
    functions = resources_of_type(template, "AWS::Serverless::Function")
    for logical_id, resource in functions.items():
        handler = resource["Properties"]["Handler"]
        module, _, attr = handler.rpartition(".")
        path = ROOT / "functions" / Path(*module.split("."))
        assert path.with_suffix(".py").is_file(), f"{logical_id}: {handler}"
        assert (
            f"def {attr}" in path.with_suffix(".py").read_text() or f"{attr} =" in path.with_suffix(".py").read_text()
        )


def test_tables_have_point_in_time_recovery_and_encryption() -> None:
    for logical_id, table in resources_of_type(load_template(ROOT / "template.yaml"), "AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, logical_id
        assert props["SSESpecification"]["SSEEnabled"] is True, logical_id


def test_every_queue_that_is_not_a_dlq_has_a_redrive_policy() -> None:
    queues = resources_of_type(load_template(ROOT / "template.yaml"), "AWS::SQS::Queue")
    dlqs = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q.get("Properties", {})
    }
    for logical_id, queue in queues.items():
        if logical_id in dlqs:
            continue
        policy = queue["Properties"].get("RedrivePolicy")
        assert policy, f"{logical_id} has no dead-letter queue"
        assert policy["maxReceiveCount"] > 1
