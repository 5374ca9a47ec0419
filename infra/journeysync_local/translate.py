"""SAM → CloudFormation, offline, with aws-sam-translator (the same code `sam deploy` runs).

Running the real translator means Globals are merged, event sources become event-source
mappings / rules / schedules exactly as they would in the cloud, and a SAM template the
translator rejects fails here too. Local paths (CodeUri, ContentUri) are swapped for
placeholder S3 URIs, as `sam build` does, because the translator insists on S3 URIs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from journeysync_local.moto_server import LOCAL_ACCOUNT, LOCAL_REGION


class TemplateError(Exception):
    """The template cannot be translated or run locally; the message says what to change."""


def parameter_values(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Parameter defaults, the caller's overrides, and the pseudo parameters of the local account."""
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if isinstance(spec, dict) and "Default" in spec:
            values[name] = spec["Default"]
    values.update(overrides or {})
    missing = [n for n in (template.get("Parameters") or {}) if n not in values]
    if missing:
        raise TemplateError(f"parameters without a default need a value: {', '.join(missing)}")
    values.update(
        {
            "AWS::Region": LOCAL_REGION,
            "AWS::AccountId": LOCAL_ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
    )
    return values


def _with_s3_code_uris(template: dict[str, Any]) -> dict[str, Any]:
    sam = copy.deepcopy(template)
    function_globals = (sam.get("Globals") or {}).get("Function") or {}
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = "s3://local/functions"
    for resource in (sam.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = "s3://local/functions"
        if resource.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(props.get("ContentUri"), str):
            props["ContentUri"] = "s3://local/layer"
    return sam


def translate(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template `sam deploy` would submit for `template`."""
    if "AWS::Serverless-2016-10-31" not in str(template.get("Transform", "")):
        return copy.deepcopy(template)
    import logging

    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # it warns about its own unpublished metrics
    session = boto3.session.Session(region_name=LOCAL_REGION)
    translator = Translator(None, Parser(), boto_session=session)
    sam_params = {k: v for k, v in parameters.items() if v is not None}
    try:
        result: dict[str, Any] = translator.translate(
            _with_s3_code_uris(template), parameter_values=sam_params, get_managed_policy_map=lambda: {}
        )
    except InvalidDocumentException as exc:
        problems = "; ".join(str(cause) for cause in exc.causes)
        raise TemplateError(f"the SAM translator rejected the template: {problems}") from exc
    return result


def code_root(template_path: Path, template: dict[str, Any], logical_id: str) -> Path:
    """The folder a function's handler is imported from (its CodeUri, else the Globals' CodeUri)."""
    props = template["Resources"][logical_id].get("Properties") or {}
    uri = props.get("CodeUri") or ((template.get("Globals") or {}).get("Function") or {}).get("CodeUri") or "."
    return (template_path.parent / str(uri)).resolve()
