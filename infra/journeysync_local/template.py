"""Read template.yaml as data: CloudFormation short-form tags become their long form.

The local runtime and the tests derive everything (tables, queues, functions)
from this, so the emulator cannot drift from what deploys.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    pass


def _multi(tag: str) -> Any:
    name = "Fn::GetAtt" if tag == "GetAtt" else ("Ref" if tag == "Ref" else f"Fn::{tag}")

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _tag in (
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "Select",
    "Split",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Cidr",
    "Condition",
    "ToJsonString",
):
    _CfnLoader.add_constructor(f"!{_tag}", _multi(_tag))


def repo_root() -> Path:
    """The checkout this package runs from (template.yaml sits at its top)."""
    here = Path.cwd()
    for candidate in (here, *here.parents):
        if (candidate / "template.yaml").is_file():
            return candidate
    return Path(__file__).resolve().parents[2]


def load_template(path: Path | None = None) -> dict[str, Any]:
    path = path or repo_root() / "template.yaml"
    return _load_cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_cached(path: str, _mtime: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a template")
    return data


def resources_of_type(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.get("Resources", {}).items() if v.get("Type") == cfn_type}


def create_table_request(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable call for a template `AWS::DynamoDB::Table`, from its own KeySchema and indexes."""
    req: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        req["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    if properties.get("LocalSecondaryIndexes"):
        req["LocalSecondaryIndexes"] = properties["LocalSecondaryIndexes"]
    if properties.get("StreamSpecification"):
        req["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    return req
