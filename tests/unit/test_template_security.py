"""Security checks on the CloudFormation that `sam deploy` would submit (the SAM-translated template.yaml).

Translation is the real aws-sam-translator, so SAM policy templates (DynamoDBCrudPolicy, SQSSendMessagePolicy,
…), event sources and Globals are checked as they expand, not as they are written.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from journeysync_local.template import load_template, repo_root
from journeysync_local.translate import parameter_values, translate

from tests.deploy_parameters import DEPLOY_PARAMETERS

# Actions AWS does not let a policy scope to a resource: "*" is the only valid Resource for them.
# Keep this list short and justified; anything else with "*" fails.
UNSCOPABLE_ACTIONS = frozenset(
    {
        "cloudwatch:PutMetricData",  # Powertools Metrics via the API (EMF needs nothing); scoped by a namespace condition
        "xray:PutTraceSegments",  # X-Ray tracing
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }
)

# AWS-managed policies SAM attaches itself. They grant on "*" and cannot be narrowed without
# replacing SAM's generated role; anything else (e.g. *FullAccess) fails.
ALLOWED_MANAGED_POLICIES = {
    # logs:CreateLogGroup/CreateLogStream/PutLogEvents — every function's own log group
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    # sqs:ReceiveMessage/DeleteMessage/GetQueueAttributes on "*" — added for each SQS event source (known gap)
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
}


@cache
def _cfn() -> dict[str, Any]:
    raw = load_template(repo_root() / "template.yaml")
    return translate(raw, parameter_values(raw, DEPLOY_PARAMETERS))


def resources(cfn_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r.get("Properties") or {} for lid, r in _cfn()["Resources"].items() if r["Type"] == cfn_type}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sub(template: str, variables: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return render(variables[name])
        if name.startswith("AWS::"):
            return "X"  # partition, region, account: concrete once deployed
        return f"<{name.split('.')[0]}>"  # ${Table.Arn}, ${ContactList}: a resource of this stack

    return re.sub(r"\$\{([^}!]+)\}", one, template)


def render(value: Any) -> str:
    """A resource value as a string; a resource of this stack (Ref, GetAtt, ${X.Arn}) renders as `<X>`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return _sub(sub, {}) if isinstance(sub, str) else _sub(str(sub[0]), dict(sub[1]))
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}>"
    if isinstance(value, dict) and "Ref" in value:
        return "X" if str(value["Ref"]).startswith("AWS::") else f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        return str(value["Fn::Join"][0]).join(render(v) for v in value["Fn::Join"][1])
    if isinstance(value, dict) and "Fn::If" in value:  # either branch may be deployed: the broader one counts
        return max((render(branch) for branch in value["Fn::If"][1:]), key=too_broad)
    raise AssertionError(f"unrecognised resource expression {value!r}")


def too_broad(resource: str) -> bool:
    """True for '*' and ARNs whose region, account or whole resource part is a wildcard."""
    if resource.startswith("<"):
        return False  # this stack's own resource, or a path under it (bucket/*, table/index/x)
    if resource.strip() == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return True
    _, _, _service, region, account, rest = parts
    if "*" in (region, account):
        return True
    # concrete = some segment names a thing (not only wildcards or resource-type words like table/, secret:)
    return all(seg.replace("*", "") in _RESOURCE_TYPES for seg in re.split(r"[/:]", rest))


_RESOURCE_TYPES = frozenset({"", "table", "index", "stream", "secret", "contact-list", "identity", "event-bus",
                             "function", "layer", "log-group", "log-stream", "configuration-set", "rule"})


def statements() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for role, props in resources("AWS::IAM::Role").items():
        for policy in props.get("Policies") or []:
            out += [(role, s) for s in _as_list(policy["PolicyDocument"]["Statement"])]
    return out


def test_the_resource_check_catches_wildcards_and_accepts_scoped_arns() -> None:
    def broad(value: Any) -> bool:
        return too_broad(render(value))

    assert broad("*")
    assert broad({"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*"})
    assert broad("arn:aws:dynamodb:*:*:table/journeysync")
    assert broad("arn:aws:dynamodb:us-east-1:1:table/*")
    assert broad("arn:aws:secretsmanager:us-east-1:1:secret:*")
    assert broad({"Fn::Sub": ["arn:aws:s3:::${b}/*", {"b": "*"}]})
    assert not broad({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:journeysync/hubspot-*"})
    assert not broad({"Fn::Sub": ["arn:${AWS::Partition}:s3:::${b}/*", {"b": {"Ref": "ArchiveBucket"}}]})
    assert not broad({"Fn::Sub": "${ArchiveBucket.Arn}/reports/*"})
    assert not broad({"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:contact-list/${ContactList}"})
    assert not broad({"Fn::GetAtt": ["Table", "Arn"]})


def test_every_function_has_its_own_role_with_only_the_managed_policies_sam_attaches() -> None:
    functions = resources("AWS::Lambda::Function")
    assert functions
    roles = resources("AWS::IAM::Role")
    for lid, props in functions.items():
        role = props["Role"]["Fn::GetAtt"][0]
        assert role == f"{lid}Role", f"{lid} shares or imports a role"
        extra = set(roles[role].get("ManagedPolicyArns") or []) - ALLOWED_MANAGED_POLICIES
        assert not extra, f"{lid}: managed policies beyond SAM's own: {sorted(extra)}"


@pytest.mark.parametrize("role_statement", statements(), ids=lambda rs: f"{rs[0]}:{rs[1].get('Action')}")
def test_every_iam_statement_names_specific_resources_and_actions(role_statement: tuple[str, dict[str, Any]]) -> None:
    role, statement = role_statement
    assert statement.get("Effect") == "Allow", f"{role}: unexpected {statement}"
    assert "NotResource" not in statement and "NotAction" not in statement, f"{role}: Not* grants everything else"
    actions = _as_list(statement["Action"])
    for action in actions:
        _, _, verb = action.partition(":")
        assert action != "*" and verb not in ("*", ""), f"{role}: {action} grants a whole service"
    broad = [r for r in _as_list(statement["Resource"]) if too_broad(render(r))]
    if actions == ["ses:SendEmail"] and all(render(r).endswith(":identity/*") for r in broad):
        # SES authorises on the sender's identity and, in the sandbox, each recipient's: pinned to our sender
        assert "ses:FromAddress" in str(statement.get("Condition")), f"{role}: sends as any identity"
        return
    if broad:
        unscoped = sorted(set(actions) - UNSCOPABLE_ACTIONS)
        assert not unscoped, f"{role}: {unscoped} on {broad} — name the table/queue/bus/secret/identity instead"


def test_every_queue_has_a_dead_letter_queue_and_every_dead_letter_queue_an_alarm_on_its_depth() -> None:
    queues = resources("AWS::SQS::Queue")
    dlqs = {
        q["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if q.get("RedrivePolicy")
    }
    assert dlqs
    for lid, props in queues.items():
        if lid in dlqs:
            continue
        policy = props.get("RedrivePolicy")
        assert policy, f"{lid} has no dead-letter queue"
        assert int(policy["maxReceiveCount"]) > 1, f"{lid} dead-letters on the first failure"
    alarmed = {}
    for props in resources("AWS::CloudWatch::Alarm").values():
        if props.get("Namespace") == "AWS/SQS" and props.get("MetricName") == "ApproximateNumberOfMessagesVisible":
            for dim in props.get("Dimensions") or []:
                value = dim.get("Value")
                if dim.get("Name") == "QueueName" and isinstance(value, dict) and "Fn::GetAtt" in value:
                    alarmed[value["Fn::GetAtt"][0]] = props
    for dlq in sorted(dlqs):
        assert dlq in alarmed, f"{dlq} has no CloudWatch alarm on its depth"
        alarm = alarmed[dlq]
        assert (alarm["ComparisonOperator"], float(alarm["Threshold"])) == ("GreaterThanThreshold", 0.0), (
            f"{dlq}: the alarm must fire on the first dead-lettered message"
        )


def test_queues_are_encrypted() -> None:
    for lid, props in resources("AWS::SQS::Queue").items():
        assert props.get("SqsManagedSseEnabled") is True or props.get("KmsMasterKeyId"), f"{lid} is not encrypted"


def test_queue_policies_let_a_service_send_only_from_our_own_rule() -> None:
    for lid, props in resources("AWS::SQS::QueuePolicy").items():
        for statement in _as_list(props["PolicyDocument"]["Statement"]):
            if "Service" in (statement.get("Principal") or {}):
                assert "aws:SourceArn" in str(statement.get("Condition")), f"{lid}: any {statement['Principal']} may send"
            assert statement.get("Principal") != "*", f"{lid}: public queue"


def test_buckets_are_encrypted_with_public_access_blocked() -> None:
    buckets = resources("AWS::S3::Bucket")
    assert buckets
    for lid, props in buckets.items():
        rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules and rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), lid
        block = props["PublicAccessBlockConfiguration"]
        assert all(block.get(k) is True for k in (
            "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")), lid


def test_tables_have_point_in_time_recovery_and_encryption() -> None:
    tables = resources("AWS::DynamoDB::Table")
    assert tables
    for lid, props in tables.items():
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, lid
        assert props.get("SSESpecification", {}).get("SSEEnabled") is True, lid


def test_every_http_api_stage_throttles_its_routes() -> None:
    apis = resources("AWS::ApiGatewayV2::Api")
    stages = resources("AWS::ApiGatewayV2::Stage")
    assert apis and {s["ApiId"]["Ref"] for s in stages.values()} == set(apis)
    for lid, props in stages.items():
        settings = props.get("DefaultRouteSettings") or {}
        assert settings.get("ThrottlingBurstLimit", 0) > 0 and settings.get("ThrottlingRateLimit", 0) > 0, lid
