"""The layer's requirements, the template and the package layout agree with each other."""

from __future__ import annotations

import tomllib
from pathlib import Path

from journeysync_local.template import load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
CLI_ONLY = {"typer", "rich"}


def _name(requirement: str) -> str:
    for sep in "<>=[; ":
        requirement = requirement.split(sep)[0]
    return requirement.lower()


def test_layer_requirements_match_the_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {d for d in project["dependencies"] if _name(d) not in CLI_ONLY}
    layer = {
        line.strip()
        for line in (ROOT / "shared" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert layer == runtime


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
