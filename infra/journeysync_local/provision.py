"""Create every non-Lambda resource of the translated template in the moto server.

Each CloudFormation type the local stack can create has one small creator below that
maps the template's own properties onto the boto3 call CloudFormation would make; the
list of types is the only hand-kept thing, and a template that uses a type missing from
it fails at start with the type named (never a silent skip). Lambda, IAM and API Gateway
resources are not created: the local runtime *is* those services (the gateway, the
pollers, the in-process handlers).

Physical names are unique per stack (`<stack>-<LogicalId>` like CloudFormation's own
naming; explicit names get the stack's namespace when several stacks share one moto
server), and every Ref/GetAtt resolves to them.
"""

from __future__ import annotations

import json
import re
import secrets as token_source
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from journeysync_local.intrinsics import Resolver, references
from journeysync_local.moto_server import LOCAL_ACCOUNT, LOCAL_REGION
from journeysync_local.translate import TemplateError

# Types the runtime itself plays (never created in moto).
RUNTIME_TYPES = {
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::LayerVersionPermission",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Url",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::Scheduler::Schedule",
}

_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[A-Za-z]{2,}$")


@dataclass
class Physical:
    """One created (or emulated) resource: what `Ref` returns and its `GetAtt` attributes."""

    logical_id: str
    type: str
    ref: str
    attrs: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "ref": self.ref, "attrs": self.attrs}


@dataclass
class ScheduleSpec:
    """A rule or schedule whose target is a local function; the local scheduler fires it."""

    logical_id: str
    function: str
    expression: str
    input: Any
    arn: str
    enabled: bool = True


@dataclass
class RuleTarget:
    """An EventBridge rule targeting a local function: delivered through a private queue and a poller."""

    rule: str
    function: str
    queue_url: str
    queue_arn: str


@cache
def aws_client(service: str, endpoint: str) -> Any:
    """A boto3 client for the runtime's own calls, pinned to `endpoint` whatever os.environ says."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's throwaway credentials
        aws_session_token="testing",  # noqa: S106
        config=Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=20),
    )


def arn(service: str, resource: str, region: str = LOCAL_REGION) -> str:
    return f"arn:aws:{service}:{region}:{LOCAL_ACCOUNT}:{resource}"


T = TypeVar("T")

# what a create call answers when the resource is already there (moto's and AWS's codes)
EXISTS_CODES = frozenset(
    {
        "ResourceInUseException",
        "BucketAlreadyOwnedByYou",
        "ResourceAlreadyExistsException",
        "ResourceExistsException",
        "AlreadyExistsException",
        "AlreadyExists",
        "ConfigurationSetAlreadyExistsException",  # SES v1/v2 name it so
    }
)


class Provisioner:
    """Turn the translated template into live resources in one moto server."""

    def __init__(
        self,
        cfn: dict[str, Any],
        parameters: dict[str, Any],
        endpoint: str,
        stack_name: str,
        namespace: str | None = None,
        visibility_scale: float = 1.0,
        attach: bool = False,
    ) -> None:
        self.cfn = cfn
        # attach: the resources may already exist in this moto server (a restarted `journeysync dev`)
        self.attach = attach
        self.resources: dict[str, Any] = cfn.get("Resources") or {}
        self.endpoint = endpoint
        self.stack_name = stack_name
        self.namespace = namespace
        self.visibility_scale = visibility_scale
        self.physical: dict[str, Physical] = {}
        self.schedules: list[ScheduleSpec] = []
        self.rule_targets: list[RuleTarget] = []
        self.notes: list[str] = []
        self.resolver = Resolver(parameters, self._ref, self._get_att, cfn.get("Conditions"), cfn.get("Mappings"))
        self._creators: dict[str, Callable[[str, dict[str, Any]], Physical]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SQS::QueuePolicy": self._queue_policy,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::Events::EventBus": self._bus,
            "AWS::Events::Rule": self._rule,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SSM::Parameter": self._parameter,
            "AWS::SES::ContactList": self._contact_list,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::SES::ConfigurationSet": self._configuration_set,
            "AWS::SES::ConfigurationSetEventDestination": self._ses_event_destination,
            "AWS::SES::Template": self._email_template,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::SNS::TopicPolicy": self._topic_policy,
        }

    # ------------------------------------------------------------------ naming
    def name_for(self, logical_id: str, explicit: Any = None, *, fifo: bool = False, lower: bool = False) -> str:
        """CloudFormation-style unique names; explicit names keep their shape within the stack's namespace."""
        if explicit:
            name = str(explicit)
            if self.namespace:
                if name.startswith("journeysync/"):
                    name = f"journeysync-{self.namespace}/{name.removeprefix('journeysync/')}"
                elif name.startswith("/"):
                    name = f"/{self.namespace}{name}"
                elif name.endswith(".fifo"):
                    name = f"{name.removesuffix('.fifo')}-{self.namespace}.fifo"
                else:
                    name = f"{name}-{self.namespace}"
            return name.lower() if lower else name
        base = f"{self.stack_name}-{logical_id}"
        if lower:
            base = base.lower()[:63]
        if fifo:
            return base[:75] + ".fifo"
        return base[:80] if not lower else base

    # ------------------------------------------------------------------ resolution
    def _ref(self, logical_id: str) -> str:
        if logical_id not in self.physical:
            raise TemplateError(f"Ref to {logical_id}, which is not (yet) a resource of the local stack")
        return self.physical[logical_id].ref

    def _get_att(self, logical_id: str, attribute: str) -> str:
        phys = self.physical.get(logical_id)
        if phys is None:
            raise TemplateError(f"GetAtt {logical_id}.{attribute}: no such resource in the local stack")
        if attribute not in phys.attrs:
            raise TemplateError(f"GetAtt {logical_id}.{attribute}: the local stack does not know this attribute")
        return phys.attrs[attribute]

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    def client(self, service: str) -> Any:
        return aws_client(service, self.endpoint)

    # ------------------------------------------------------------------ run
    def check_supported(self) -> None:
        unknown = sorted(
            {
                f"{lid} ({res.get('Type')})"
                for lid, res in self.resources.items()
                if res.get("Type") not in RUNTIME_TYPES and res.get("Type") not in self._creators
            }
        )
        if unknown:
            raise TemplateError(
                "the local stack cannot create these resources (add a creator in "
                f"journeysync_local/provision.py): {', '.join(unknown)}"
            )

    def run(self) -> dict[str, Physical]:
        self.check_supported()
        for lid, res in self.resources.items():
            if res.get("Type") == "AWS::Lambda::Function":
                name = self.name_for(lid, (res.get("Properties") or {}).get("FunctionName"))
                fn_arn = arn("lambda", f"function:{name}")
                self.physical[lid] = Physical(lid, res["Type"], name, {"Arn": fn_arn})
            elif res.get("Type") in RUNTIME_TYPES:
                self.physical[lid] = Physical(lid, res["Type"], f"{self.stack_name}-{lid}", {"Arn": arn("local", lid)})
        for lid in self._creation_order():
            res = self.resources[lid]
            if "Condition" in res and not self.resolver.condition(res["Condition"]):
                continue
            props = self.resolve(res.get("Properties") or {})
            self.physical[lid] = self._creators[res["Type"]](lid, props)
        for lid, res in self.resources.items():
            if res.get("Type") == "AWS::Scheduler::Schedule":
                self._scheduler_schedule(lid, self.resolve(res.get("Properties") or {}))
        return self.physical

    def _creation_order(self) -> list[str]:
        pending = {lid for lid, res in self.resources.items() if res.get("Type") in self._creators}
        deps = {lid: references(self.resources[lid].get("Properties") or {}) & pending for lid in pending}
        order: list[str] = []
        while pending:
            ready = sorted(lid for lid in pending if not (deps[lid] & pending))
            if not ready:
                raise TemplateError(f"circular references between {', '.join(sorted(pending))}")
            order += ready
            pending -= set(ready)
        return order

    def function_for_arn(self, target_arn: str) -> str | None:
        for lid, phys in self.physical.items():
            if phys.type == "AWS::Lambda::Function" and phys.attrs.get("Arn") == target_arn:
                return lid
        return None

    # ------------------------------------------------------------------ creators
    def _created(self, create: Callable[[], T], existing: Callable[[], T]) -> T:
        """`create()`; when attaching to a server that already holds the resource, `existing()` instead."""
        from botocore.exceptions import ClientError

        try:
            return create()
        except ClientError as exc:
            if not (self.attach and exc.response.get("Error", {}).get("Code") in EXISTS_CODES):
                raise
            return existing()

    def _table(self, lid: str, props: dict[str, Any]) -> Physical:
        from journeysync_local.template import create_table_request

        name = self.name_for(lid, props.get("TableName"))
        ddb = self.client("dynamodb")
        desc = self._created(
            lambda: ddb.create_table(**create_table_request(name, props))["TableDescription"],
            lambda: ddb.describe_table(TableName=name)["Table"],
        )
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        attrs = {"Arn": desc["TableArn"]}
        if desc.get("LatestStreamArn"):
            attrs["StreamArn"] = desc["LatestStreamArn"]
        return Physical(lid, "AWS::DynamoDB::Table", name, attrs)

    _QUEUE_ATTRS = (
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
    )

    def scaled_visibility(self, seconds: int) -> int:
        """The queue's own visibility timeout, optionally shortened for local runs (never below 1 s)."""
        if self.visibility_scale == 1.0:
            return seconds
        return max(1, round(seconds * self.visibility_scale))

    def _queue(self, lid: str, props: dict[str, Any]) -> Physical:
        fifo = str(props.get("FifoQueue", "false")).lower() == "true"
        name = self.name_for(lid, props.get("QueueName"), fifo=fifo)
        attributes: dict[str, str] = {}
        if fifo:
            attributes["FifoQueue"] = "true"
        for key in self._QUEUE_ATTRS:
            if key in props:
                attributes[key] = str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
        attributes["VisibilityTimeout"] = str(self.scaled_visibility(int(props.get("VisibilityTimeout", 30))))
        for key in ("RedrivePolicy", "RedriveAllowPolicy"):
            if key in props:
                value = props[key]
                attributes[key] = value if isinstance(value, str) else json.dumps(value)
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return Physical(
            lid,
            "AWS::SQS::Queue",
            url,
            {"Arn": arn("sqs", name), "QueueName": name, "QueueUrl": url},
        )

    def _queue_policy(self, lid: str, props: dict[str, Any]) -> Physical:
        policy = props.get("PolicyDocument")
        for url in props.get("Queues", []):
            self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        return Physical(lid, "AWS::SQS::QueuePolicy", f"{self.stack_name}-{lid}")

    def _bucket(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("BucketName"), lower=True)
        s3 = self.client("s3")
        self._created(
            lambda: s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": LOCAL_REGION}),
            lambda: {},
        )
        if props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if props.get("BucketEncryption"):
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule.get("ServerSideEncryptionByDefault", {}),
                    **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
                }
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if props.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        for ignored in ("LifecycleConfiguration", "NotificationConfiguration", "CorsConfiguration"):
            if props.get(ignored):
                self.notes.append(f"{lid}: {ignored} is not applied locally")
        return Physical(
            lid,
            "AWS::S3::Bucket",
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{LOCAL_REGION}.amazonaws.com",
            },
        )

    def _bucket_policy(self, lid: str, props: dict[str, Any]) -> Physical:
        self.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"]))
        return Physical(lid, "AWS::S3::BucketPolicy", f"{self.stack_name}-{lid}")

    def _bus(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("Name"))
        events = self.client("events")
        bus_arn = self._created(
            lambda: events.create_event_bus(Name=name)["EventBusArn"],
            lambda: events.describe_event_bus(Name=name)["Arn"],
        )
        return Physical(lid, "AWS::Events::EventBus", name, {"Arn": bus_arn, "Name": name})

    def _rule(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("Name"))
        bus = str(props.get("EventBusName", "default")).rsplit("/", 1)[-1]
        enabled = props.get("State", "ENABLED") == "ENABLED"
        rule_arn = arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}")
        physical = Physical(lid, "AWS::Events::Rule", name, {"Arn": rule_arn})
        targets = props.get("Targets") or []
        if props.get("ScheduleExpression"):
            for target in targets:
                function = self.function_for_arn(target.get("Arn", ""))
                if function is None:
                    raise TemplateError(f"{lid}: a schedule can only target a function locally")
                payload = json.loads(target["Input"]) if target.get("Input") else None
                self.schedules.append(
                    ScheduleSpec(lid, function, props["ScheduleExpression"], payload, rule_arn, enabled)
                )
            return physical
        events = self.client("events")
        events.put_rule(
            Name=name,
            EventBusName=bus,
            EventPattern=json.dumps(props.get("EventPattern") or {}),
            State="ENABLED" if enabled else "DISABLED",
            Description=str(props.get("Description", "")),
        )
        api_targets = []
        for index, target in enumerate(targets):
            entry = {
                k: v
                for k, v in target.items()
                if k
                in (
                    "Id",
                    "Arn",
                    "Input",
                    "InputPath",
                    "InputTransformer",
                    "SqsParameters",
                    "DeadLetterConfig",
                    "RetryPolicy",
                )
            }
            entry.setdefault("Id", f"target{index}")
            function = self.function_for_arn(target.get("Arn", ""))
            if function is not None:
                queue = f"{self.stack_name}-{lid}-{function}"[:80]
                url = self.client("sqs").create_queue(QueueName=queue, Attributes={"VisibilityTimeout": "30"})[
                    "QueueUrl"
                ]
                entry["Arn"] = arn("sqs", queue)
                self.rule_targets.append(RuleTarget(lid, function, url, entry["Arn"]))
            api_targets.append(entry)
        if api_targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=api_targets)
        return physical

    def _scheduler_schedule(self, lid: str, props: dict[str, Any]) -> None:
        target = props.get("Target") or {}
        function = self.function_for_arn(target.get("Arn", ""))
        if function is None:
            raise TemplateError(f"{lid}: an EventBridge Scheduler schedule can only target a function locally")
        payload = json.loads(target["Input"]) if target.get("Input") else {}
        self.schedules.append(
            ScheduleSpec(
                lid,
                function,
                props["ScheduleExpression"],
                payload,
                arn("scheduler", f"schedule/default/{self.name_for(lid)}"),
                props.get("State", "ENABLED") == "ENABLED",
            )
        )

    def _secret(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("Name"))
        value = props.get("SecretString")
        if value is None:
            spec = props.get("GenerateSecretString") or {}
            generated = generated_password(spec)
            if spec.get("SecretStringTemplate") and spec.get("GenerateStringKey"):
                doc = json.loads(spec["SecretStringTemplate"])
                doc[spec["GenerateStringKey"]] = generated
                value = json.dumps(doc)
            else:
                value = generated
        sm = self.client("secretsmanager")
        secret_arn = self._created(
            lambda: sm.create_secret(Name=name, SecretString=str(value))["ARN"],
            lambda: sm.describe_secret(SecretId=name)["ARN"],
        )
        return Physical(lid, "AWS::SecretsManager::Secret", secret_arn, {"Id": secret_arn, "Name": name})

    def _parameter(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("Name"))
        if not name.startswith("/") and props.get("Name") is None:
            name = f"/{name}"
        self.client("ssm").put_parameter(
            Name=name, Value=str(props["Value"]), Type=props.get("Type", "String"), Overwrite=True
        )
        return Physical(
            lid, "AWS::SSM::Parameter", name, {"Type": props.get("Type", "String"), "Value": str(props["Value"])}
        )

    def _contact_list(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("ContactListName"))
        kwargs: dict[str, Any] = {"ContactListName": name, "Topics": props.get("Topics") or []}
        if props.get("Description"):
            kwargs["Description"] = props["Description"]
        self._created(lambda: self.client("sesv2").create_contact_list(**kwargs), lambda: {})
        return Physical(lid, "AWS::SES::ContactList", name)

    def verify_email(self, identity: str) -> None:
        """Verify a sender in both SES APIs (moto's v2 send path checks the v1 identity list)."""
        if "@" in identity:
            self.client("ses").verify_email_identity(EmailAddress=identity)
        else:
            self.client("ses").verify_domain_identity(Domain=identity)

    def _email_identity(self, lid: str, props: dict[str, Any]) -> Physical:
        identity = str(props["EmailIdentity"])
        self._created(lambda: self.client("sesv2").create_email_identity(EmailIdentity=identity), lambda: {})
        self.verify_email(identity)
        return Physical(lid, "AWS::SES::EmailIdentity", identity)

    def _configuration_set(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("Name"))
        self._created(lambda: self.client("sesv2").create_configuration_set(ConfigurationSetName=name), lambda: {})
        return Physical(lid, "AWS::SES::ConfigurationSet", name)

    def _ses_event_destination(self, lid: str, props: dict[str, Any]) -> Physical:
        """Recorded only: moto publishes no SES events (`local/ses_engagement.py` plays them from sent mail)."""
        dest = props.get("EventDestination") or {}
        attrs = {
            "ConfigurationSetName": str(props.get("ConfigurationSetName", "")),
            "EventBusArn": str((dest.get("EventBridgeDestination") or {}).get("EventBusArn", "")),
            "MatchingEventTypes": ",".join(str(t).lower() for t in dest.get("MatchingEventTypes") or []),
        }
        return Physical(lid, "AWS::SES::ConfigurationSetEventDestination", f"{attrs['ConfigurationSetName']}|{dest.get('Name', lid)}", attrs)

    def _email_template(self, lid: str, props: dict[str, Any]) -> Physical:
        spec = dict(props.get("Template") or {})
        name = self.name_for(lid, spec.get("TemplateName"))
        template = {"TemplateName": name, **{k: str(spec[k]) for k in ("SubjectPart", "TextPart", "HtmlPart") if k in spec}}
        self._created(
            lambda: self.client("ses").create_template(Template=template),
            lambda: self.client("ses").update_template(Template=template),
        )
        return Physical(lid, "AWS::SES::Template", name)

    _ALARM_KEYS = (
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "Metrics",
    )

    def _alarm(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("AlarmName"))
        kwargs = {k: props[k] for k in self._ALARM_KEYS if k in props}
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in kwargs:
                kwargs[key] = int(kwargs[key])
        if "Threshold" in kwargs:
            kwargs["Threshold"] = float(kwargs["Threshold"])
        self.client("cloudwatch").put_metric_alarm(AlarmName=name, **kwargs)
        return Physical(lid, "AWS::CloudWatch::Alarm", name, {"Arn": arn("cloudwatch", f"alarm:{name}")})

    def _topic(self, lid: str, props: dict[str, Any]) -> Physical:
        fifo = str(props.get("FifoTopic", "false")).lower() == "true"
        name = self.name_for(lid, props.get("TopicName"), fifo=fifo)
        attributes = {"FifoTopic": "true"} if fifo else {}
        topic_arn = self.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        for sub in props.get("Subscription") or []:
            self.client("sns").subscribe(TopicArn=topic_arn, Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
        return Physical(lid, "AWS::SNS::Topic", topic_arn, {"TopicArn": topic_arn, "TopicName": name})

    def _subscription(self, lid: str, props: dict[str, Any]) -> Physical:
        attributes = {}
        for key in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"):
            if key in props:
                value = props[key]
                attributes[key] = (
                    value
                    if isinstance(value, str)
                    else json.dumps(value)
                    if isinstance(value, dict)
                    else str(value).lower()
                )
        resp = self.client("sns").subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"], Attributes=attributes
        )
        return Physical(lid, "AWS::SNS::Subscription", resp["SubscriptionArn"])

    def _log_group(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("LogGroupName"))
        self._created(lambda: self.client("logs").create_log_group(logGroupName=name), lambda: {})
        if props.get("RetentionInDays"):
            self.client("logs").put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
        return Physical(lid, "AWS::Logs::LogGroup", name, {"Arn": arn("logs", f"log-group:{name}:*")})

    def _dashboard(self, lid: str, props: dict[str, Any]) -> Physical:
        name = self.name_for(lid, props.get("DashboardName"))
        body = props["DashboardBody"]
        self.client("cloudwatch").put_dashboard(
            DashboardName=name, DashboardBody=body if isinstance(body, str) else json.dumps(body)
        )
        return Physical(lid, "AWS::CloudWatch::Dashboard", name)

    def _topic_policy(self, lid: str, props: dict[str, Any]) -> Physical:
        policy = props["PolicyDocument"]
        for topic_arn in props.get("Topics") or []:
            self.client("sns").set_topic_attributes(
                TopicArn=topic_arn,
                AttributeName="Policy",
                AttributeValue=policy if isinstance(policy, str) else json.dumps(policy),
            )
        return Physical(lid, "AWS::SNS::TopicPolicy", f"{self.stack_name}-{lid}")


def generated_password(spec: dict[str, Any]) -> str:
    """What Secrets Manager's GenerateSecretString would give: PasswordLength characters of the allowed kinds."""
    import string

    alphabet = string.ascii_letters + string.digits
    if str(spec.get("ExcludePunctuation", "false")).lower() != "true":
        alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    excluded = str(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    return "".join(token_source.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))


def looks_like_email(value: str) -> bool:
    return bool(_EMAIL.match(value))
