"""template.yaml deploys for any organisation, and an operator hears of every failure.

These walk every function, queue and alarm of the template, so a hop added later is held to the same
pattern (its own log group with the retention parameter, bytecode built by the makefile, a DLQ alarm,
an errors alarm when it runs on a schedule) without anyone listing it here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from journeysync_local.template import load_template, repo_root

ROOT = repo_root()
TEMPLATE_TEXT = (ROOT / "template.yaml").read_text()
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
GLOBAL_FUNCTION = TEMPLATE["Globals"]["Function"]

# AWS Lambda runtimes and the day their deprecation starts (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
RUNTIME_DEPRECATION = {
    "python3.9": date(2025, 12, 15),
    "python3.10": date(2026, 6, 30),
    "python3.11": date(2027, 6, 30),
    "python3.12": date(2028, 10, 31),
    "python3.13": date(2029, 6, 30),
}

# the demo organisation (infra/local-parameters.json, infra/config) and any address. The contact list's topics are
# the segments of infra/config/segments.yaml (test_crm_to_email_template keeps them equal), not literals.
ORGANISATION_LITERALS = re.compile(r"riverside|museum\.|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", re.I)


def of_type(cfn_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in RESOURCES.items() if r["Type"] == cfn_type}


FUNCTIONS = of_type("AWS::Serverless::Function")
ALARMS = of_type("AWS::CloudWatch::Alarm")


def dead_letter_queues() -> set[str]:
    return {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in of_type("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q.get("Properties", {})
    }


def alarm_dimension(alarm: dict[str, Any], name: str) -> Any:
    for dim in alarm["Properties"].get("Dimensions") or []:
        if dim["Name"] == name:
            return dim["Value"]
    return None


def test_no_organisation_is_written_into_the_template() -> None:
    found = sorted({m.group(0) for m in ORGANISATION_LITERALS.finditer(TEMPLATE_TEXT)})
    assert not found, f"organisation literals in template.yaml (make them Parameters): {found}"


def test_the_organisation_comes_in_as_parameters_a_guided_deploy_asks_for() -> None:
    params = TEMPLATE["Parameters"]
    assert "Default" not in params["SenderAddress"], "a newcomer must be asked for the sender"
    assert re.fullmatch(params["SenderAddress"]["AllowedPattern"], "alerts@example.org")
    assert not re.fullmatch(params["SenderAddress"]["AllowedPattern"], "alerts at example")
    for name in ("OpsEmail", "AlarmEmail", "Stage", "SecretsPrefix", "ExistingContactList", "LogRetentionDays"):
        assert "Default" in params[name], f"{name}: only the sender should be required"


def test_the_internal_signing_key_is_generated_by_the_stack_under_the_stage_prefix() -> None:
    secrets = of_type("AWS::SecretsManager::Secret")
    survey = [s["Properties"] for s in secrets.values() if s["Properties"].get("Name") == {"Fn::Sub": "${SecretsPrefix}survey"}]
    assert len(survey) == 1, "journeysync/survey must be created by the template"
    assert "SecretString" not in survey[0], "a signing key typed into the template is known to everyone"
    generated = survey[0]["GenerateSecretString"]
    assert int(generated["PasswordLength"]) >= 32
    assert "SecretStringTemplate" not in generated, "the code reads a plain string, not JSON"


def test_every_alarm_notifies_the_alarm_topic() -> None:
    assert ALARMS
    for lid, alarm in ALARMS.items():
        actions = alarm["Properties"].get("AlarmActions") or []
        assert {"Ref": "AlarmTopic"} in actions, f"{lid} fires into the void: add AlarmActions: [!Ref AlarmTopic]"


def test_the_alarm_topic_emails_the_given_address_when_one_is_given() -> None:
    subscription = next(r for r in of_type("AWS::SNS::Subscription").values())
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}


def test_every_dead_letter_queue_has_a_depth_alarm() -> None:
    alarmed = {
        alarm_dimension(a, "QueueName")["Fn::GetAtt"][0]
        for a in ALARMS.values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    missing = dead_letter_queues() - alarmed
    assert not missing, f"dead-letter queues nobody hears about: {sorted(missing)}"


def test_every_scheduled_function_has_an_errors_alarm() -> None:
    scheduled = {
        lid
        for lid, fn in FUNCTIONS.items()
        if any(e["Type"] in ("Schedule", "ScheduleV2") for e in (fn["Properties"].get("Events") or {}).values())
    }
    assert scheduled
    alarmed = {
        alarm_dimension(a, "FunctionName")["Ref"]
        for a in ALARMS.values()
        if a["Properties"].get("Namespace") == "AWS/Lambda" and a["Properties"].get("MetricName") == "Errors"
    }
    assert not scheduled - alarmed, f"scheduled functions whose failures nobody hears about: {sorted(scheduled - alarmed)}"


def test_the_http_api_has_a_5xx_alarm_and_a_4xx_rate_alarm() -> None:
    api_metrics = set()
    for alarm in ALARMS.values():
        props = alarm["Properties"]
        if props.get("Namespace") == "AWS/ApiGateway":
            api_metrics.add(props["MetricName"])
        for query in props.get("Metrics") or []:
            stat = query.get("MetricStat")
            if stat and stat["Metric"]["Namespace"] == "AWS/ApiGateway":
                api_metrics.add(stat["Metric"]["MetricName"])
    assert {"5xx", "4xx", "Count"} <= api_metrics


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_logs_to_its_own_group_kept_for_the_retention_parameter(logical_id: str) -> None:
    config = FUNCTIONS[logical_id]["Properties"].get("LoggingConfig") or {}
    group = (config.get("LogGroup") or {}).get("Ref")
    assert group in RESOURCES, f"{logical_id}: add LoggingConfig: {{LogGroup: !Ref <Name>LogGroup}}"
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_ships_compiled_bytecode(logical_id: str) -> None:
    assert FUNCTIONS[logical_id].get("Metadata", {}).get("BuildMethod") == "makefile", (
        f"{logical_id}: Metadata: {{BuildMethod: makefile}} (functions/Makefile compiles the handlers)"
    )


def test_the_http_api_writes_access_logs_without_paths_to_a_retained_group() -> None:
    settings = TEMPLATE["Globals"]["HttpApi"]["AccessLogSettings"]
    group = settings["DestinationArn"]["Fn::GetAtt"][0]
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = json.loads(settings["Format"])
    assert "$context.routeKey" in fields.values()
    assert not any("path" in v.lower() for v in fields.values()), "paths carry survey tokens and vendor secrets"


def test_raw_payloads_expire_after_the_archive_parameter() -> None:
    rules = RESOURCES["ArchiveBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    raw = [r for r in rules if r.get("Prefix") == "raw/"]
    assert raw and raw[0]["ExpirationInDays"] == {"Ref": "ArchiveExpirationDays"}


def test_the_runtime_is_supported_past_2028_and_layers_match_it() -> None:
    runtime = GLOBAL_FUNCTION["Runtime"]
    assert RUNTIME_DEPRECATION[runtime] > date(2028, 12, 31), f"{runtime} is deprecated on {RUNTIME_DEPRECATION[runtime]}"
    for lid, layer in of_type("AWS::Serverless::LayerVersion").items():
        assert layer["Properties"]["CompatibleRuntimes"] == [runtime], lid
    for lid, fn in FUNCTIONS.items():
        assert fn["Properties"].get("Runtime", runtime) == runtime, lid


def test_the_makefile_runs_the_suite_on_the_runtime_python() -> None:
    minor = GLOBAL_FUNCTION["Runtime"].removeprefix("python")
    assert f"PY_MINOR := {minor}" in (ROOT / "Makefile").read_text()
    assert f"RUNTIME_MINOR := {minor}" in (ROOT / "build.mk").read_text()


def test_stages_name_their_account_wide_resources_apart() -> None:
    """Two stacks in one account and region: each resource with an explicit name includes the stage."""
    named = {
        "EventBus": ("Name",),
        "Dashboard": ("DashboardName",),
        "ContactList": ("ContactListName",),
        "SurveySigningKey": ("Name",),
    }
    for lid, (prop,) in named.items():
        value = json.dumps(RESOURCES[lid]["Properties"][prop])
        assert "${Stage}" in value or "${SecretsPrefix}" in value, f"{lid}.{prop} collides between stages"
    assert RESOURCES["ContactList"]["Condition"] == "CreateContactList", "SES allows one list per account: reuse it"
    assert RESOURCES["AlertSenderIdentity"]["Condition"] == "CreateSenderIdentity"
    assert GLOBAL_FUNCTION["Environment"]["Variables"]["JOURNEYSYNC_SECRETS_PREFIX"] == {"Ref": "SecretsPrefix"}


def test_only_the_report_function_carries_the_chart_layer() -> None:
    carriers = {lid for lid, fn in FUNCTIONS.items() if {"Ref": "ReportLayer"} in (fn["Properties"].get("Layers") or [])}
    assert carriers == {"JourneyReportFunction"}
    assert {"Ref": "ReportLayer"} not in GLOBAL_FUNCTION["Layers"]
