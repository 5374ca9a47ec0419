"""The whole template on this machine: moto server, resources, gateway, pollers, schedules, handlers.

`LocalStack` is what `journeysync dev`, `journeysync demo` and the e2e fixture run. Everything
it starts comes from the template: change the template and the local stack changes with it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeysync_cli import state
from journeysync_local.functions import (
    DEFAULT_CONCURRENCY,
    FunctionRunner,
    FunctionSpec,
    HandlerFailedError,
    Invocation,
    LogLine,
)
from journeysync_local.gateway import Gateway, Route, compile_route
from journeysync_local.moto_server import (
    LOCAL_REGION,
    MotoEndpoint,
    point_boto3_at,
    start_moto,
    start_moto_process,
)
from journeysync_local.pollers import MappingSpec, Poller
from journeysync_local.provision import Physical, Provisioner, ScheduleSpec, aws_client, looks_like_email
from journeysync_local.scheduler import Scheduler, scheduled_event
from journeysync_local.template import load_template, repo_root
from journeysync_local.translate import TemplateError, parameter_values, translate

if TYPE_CHECKING:
    from journeysync_local.control import ControlServer

# Vendors whose webhook secret the local stack always creates (JOURNEYSYNC_<VENDOR>_SECRET or a dev default).
VENDORS = ("square", "shopify", "eventbrite", "tickettailor", "typeform", "delighted", "mailchimp", "cloudevents")
WEBHOOK_VENDORS = VENDORS
# Vendors whose webhook secret travels in the URL path (they sign nothing): /webhooks/<vendor>/<secret>
PATH_TOKEN_VENDORS = ("mailchimp", "eventbrite")
# API tokens the ingest hop's enrichment calls use (Square Orders/Customers, Eventbrite Orders)
API_TOKENS = ("square_api", "eventbrite_api", "shopify_api")
# Signing keys of our own links (survey_router, issue 7: rating, claim and resolve links)
SIGNING_KEYS = ("survey",)
LOCAL_API_HOST = f"local.execute-api.{LOCAL_REGION}.amazonaws.com"

__all__ = ["HandlerFailedError", "LocalStack", "TemplateError"]


def local_parameters(root: Path) -> dict[str, str]:
    """The example organisation's deploy parameters (sender, ops address) the local stack starts with."""
    import json

    path = root / "infra" / "local-parameters.json"
    return {str(k): str(v) for k, v in json.loads(path.read_text()).items()} if path.is_file() else {}


def parse_trace_header(header: str) -> dict[str, str]:
    """`Root=1-…;Parent=…;Sampled=0` → its fields."""
    return dict(part.split("=", 1) for part in header.split(";") if "=" in part)


def dev_secret(vendor: str) -> str:
    return f"dev-{vendor}-secret"


def vendor_secrets(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Vendor → secret: JOURNEYSYNC_<VENDOR>_SECRET if set (any vendor), else the printed dev default."""
    env = os.environ if environ is None else environ
    found = {
        v: env.get(f"JOURNEYSYNC_{v.upper()}_SECRET") or dev_secret(v) for v in (*VENDORS, *API_TOKENS, *SIGNING_KEYS)
    }
    for key, value in env.items():
        if key.startswith("JOURNEYSYNC_") and key.endswith("_SECRET") and value:
            found.setdefault(key.removeprefix("JOURNEYSYNC_").removesuffix("_SECRET").lower(), value)
    return found


class LocalStack:
    """Start with `start()` (or use as a context manager); stop with `stop()`."""

    def __init__(
        self,
        template_path: Path | str | None = None,
        *,
        moto_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        config_dir: Path | str | None = None,
        speed: float = 1.0,
        visibility_scale: float = 1.0,
        stack_name: str | None = None,
        namespace: str | None = None,
        parameters: dict[str, str] | None = None,
        on_log: Callable[[LogLine], None] | None = None,
        state_file: Path | str | None = None,
        secrets: dict[str, str] | None = None,
        pollers_for: set[str] | None = None,
        moto_process: bool = False,
        attach: bool = False,
        function_env: dict[str, str] | None = None,
        record_aws_calls: bool = False,
    ) -> None:
        self.template_path = Path(template_path) if template_path else repo_root() / "template.yaml"
        self.template_path = self.template_path.resolve()
        self.id = uuid.uuid4().hex[:8]
        self.stack_name = stack_name or f"js{self.id}"
        self.namespace = namespace
        self.secrets_prefix = f"journeysync-{namespace}/" if namespace else "journeysync/"
        self._moto_url = moto_url
        self._host, self._port = host, port
        self.config_dir = Path(config_dir).resolve() if config_dir else self.template_path.parent / "infra" / "config"
        self.speed = speed
        self.visibility_scale = visibility_scale
        self._parameter_overrides = parameters
        self._on_log = on_log
        self.state_file = Path(state_file) if state_file else None
        self._secrets_override = secrets
        # poll only the queues feeding these functions (None = all): a test can hold one hop's output still
        self._pollers_for = pollers_for
        # a moto server in its own process (dev, demo): AWS emulation stops competing with handlers for the GIL
        self._moto_process = moto_process
        # attach: the moto server (moto_url) already holds this stack's resources — a restart picks them up
        self.attach = attach
        # variables every function gets on top of the template's (what a deploy-time override would set)
        self._function_env = dict(function_env or {})
        # keep every AWS call's parameters and reply on its Invocation (the cost bench prices them)
        self._record_aws_calls = record_aws_calls
        self.moto: MotoEndpoint | None = None
        self.logs: list[LogLine] = []
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.invocations: list[Invocation] = []
        self._segment_roots: dict[str, frozenset[str]] = {}
        self._lineage_lock = threading.Lock()
        self.physical: dict[str, Physical] = {}
        self.functions: dict[str, FunctionSpec] = {}
        self.mappings: list[MappingSpec] = []
        self.schedules: list[ScheduleSpec] = []
        self.routes: list[Route] = []
        self.outputs: dict[str, Any] = {}
        self.vendor_secrets: dict[str, str] = {}
        self._pollers: list[Poller] = []
        self.gateway: Gateway | None = None
        self.scheduler: Scheduler | None = None
        self.runner: FunctionRunner | None = None
        self.control: ControlServer | None = None
        self.started = False

    # ------------------------------------------------------------------ public surface
    @property
    def url(self) -> str:
        assert self.gateway is not None, "stack not started"
        return self.gateway.url

    @property
    def moto_url(self) -> str:
        assert self.moto is not None or self._moto_url, "stack not started"
        return self.moto.url if self.moto else str(self._moto_url)

    @property
    def resources(self) -> dict[str, str]:
        """Logical id → what `Ref` gives in the cloud (table/bucket/bus name, queue URL, secret ARN, …)."""
        return {lid: p.ref for lid, p in self.physical.items()}

    @property
    def env(self) -> dict[str, dict[str, str]]:
        """Function logical id → the environment its handler runs with."""
        return {lid: dict(spec.env) for lid, spec in self.functions.items()}

    def client(self, service: str) -> Any:
        """A boto3 client on this stack's moto server."""
        return aws_client(service, self.moto_url)

    def webhook_urls(self) -> dict[str, str]:
        """What to paste into each vendor's webhook settings (path-token vendors carry their secret)."""
        urls = {}
        for vendor in WEBHOOK_VENDORS:
            token = self.vendor_secrets.get(vendor) if vendor in PATH_TOKEN_VENDORS else None
            urls[vendor] = f"{self.url}/webhooks/{vendor}" + (f"/{token}" if token else "")
        return urls

    def signed_webhook(
        self, vendor: str, body: bytes, secret: str | None = None, now: datetime | None = None
    ) -> tuple[str, dict[str, str]]:
        """The URL and signed headers of `body` sent as `vendor` sends it, with its secret on this stack
        (or `secret`: a forgery's), signed at `now` (default: the clock's now)."""
        from journeysync.vendors import adapter_for

        adapter = adapter_for(vendor)
        if adapter is None:
            raise ValueError(f"no adapter for vendor {vendor!r}")
        secret = self.vendor_secrets[vendor] if secret is None else secret
        url = f"{self.url}/webhooks/{vendor}" + (f"/{secret}" if vendor in PATH_TOKEN_VENDORS else "")
        return url, adapter.signed_headers(secret, body, url=url, now=now or datetime.now(UTC))

    def post_webhook(
        self,
        vendor: str,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        now: datetime | None = None,
        timeout: float = 30,
    ) -> Any:
        """POST `body` to the gateway signed as `vendor` (the `requests` response).

        `headers` go too and win over what the vendor's signing adds beside its signature (a topic, a
        delivery id): a recorded delivery's own metadata, or a test's choice of topic."""
        import requests

        url, signed = self.signed_webhook(vendor, body, now=now)
        sent = {**signed, **({"content-type": content_type} if content_type else {}), **(headers or {})}
        return requests.post(url, data=body, headers=sent, timeout=timeout)

    def has_route(self, method: str, path: str) -> bool:
        return self.gateway is not None and self.gateway.match(method, path) is not None

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Call one function now with `event`; raises HandlerFailedError if the handler raises."""
        assert self.runner is not None, "stack not started"
        return self.runner.invoke(logical_id, event, trigger="direct")

    def fire_schedule(self, logical_id: str, at: datetime | None = None) -> list[Any]:
        """Fire every schedule of function `logical_id` as of `at` (default now); returns each handler's result."""
        specs = [s for s in self.schedules if s.function == logical_id or s.logical_id == logical_id]
        if not specs:
            raise KeyError(f"{logical_id} has no schedule (schedules: {[s.logical_id for s in self.schedules]})")
        assert self.runner is not None
        return [
            self.runner.invoke(s.function, scheduled_event(s, at or datetime.now(UTC)), trigger=f"schedule:{s.logical_id}")
            for s in specs
        ]

    def queue_depths(self, urls: list[str] | None = None) -> dict[str, dict[str, int]]:
        sqs = self.client("sqs")
        result = {}
        for url in urls if urls is not None else self.queue_urls():
            attrs = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            result[url] = {
                "visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "delayed": int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
            }
        return result

    def queue_urls(self) -> list[str]:
        return [p.ref for p in self.physical.values() if p.type == "AWS::SQS::Queue"]

    def dead_letter_queues(self) -> dict[str, str]:
        """DLQ logical id → URL (queues named as deadLetterTargetArn by another queue)."""
        arns = set()
        for _lid, res in (self._raw.get("Resources") or {}).items():
            if res.get("Type") == "AWS::SQS::Queue":
                policy = (res.get("Properties") or {}).get("RedrivePolicy")
                if policy:
                    target = self._provisioner.resolve(policy).get("deadLetterTargetArn")
                    arns.add(target)
        return {
            lid: p.ref for lid, p in self.physical.items() if p.type == "AWS::SQS::Queue" and p.attrs.get("Arn") in arns
        }

    def busy(self) -> list[str]:
        """Why the stack is not idle (empty list when idle)."""
        reasons = []
        if self.runner is not None and self.runner.in_flight:
            reasons.append(f"{self.runner.in_flight} invocation(s) running")
        if self.gateway is not None and self.gateway.in_flight:
            reasons.append(f"{self.gateway.in_flight} HTTP request(s) in flight")
        reasons += [f"poller {p.spec.logical_id} busy" for p in self._pollers if p.busy]
        polled = sorted({p.spec.queue_url for p in self._pollers})
        for url, depth in self.queue_depths(polled).items():
            if any(depth.values()):
                reasons.append(f"{url.rsplit('/', 1)[-1]}: {depth}")
        return reasons

    def wait_idle(self, timeout: float = 30.0, settle: float = 0.1) -> None:
        """Block until every polled queue is empty and nothing runs (twice in a row); TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        quiet = 0
        reasons: list[str] = []
        while time.monotonic() < deadline:
            reasons = self.busy()
            quiet = 0 if reasons else quiet + 1
            if quiet >= 2:
                return
            time.sleep(settle)
        raise TimeoutError(f"stack not idle after {timeout}s: {'; '.join(reasons)}")

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        self._raw = load_template(self.template_path)
        # the organisation's parameters of a real deploy; locally the example museum's (infra/local-parameters.json)
        overrides = {**local_parameters(self.template_path.parent), **(self._parameter_overrides or {})}
        if "Stage" in (self._raw.get("Parameters") or {}):
            overrides.setdefault("Stage", "local")
        overrides["AWS::StackName"] = self.stack_name
        params = parameter_values(self._raw, overrides)
        cfn = translate(self._raw, params)
        if self._moto_url is None:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            self.moto = start_moto_process() if self._moto_process else start_moto()
        try:
            self._start(cfn, params)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, cfn: dict[str, Any], params: dict[str, Any]) -> None:
        prov = Provisioner(
            cfn, params, self.moto_url, self.stack_name, self.namespace, self.visibility_scale, attach=self.attach
        )
        self._provisioner = prov
        self.physical = prov.run()
        self.schedules = prov.schedules
        self.notes += prov.notes
        self.gateway = Gateway(self._routes(), self._gateway_invoke, self._host, self._port, self.errors.append)
        self.routes = self.gateway.routes
        self.functions = self._function_specs(cfn, prov)
        self.outputs = self._outputs(cfn, prov)
        self._create_vendor_secrets()
        self.runner = FunctionRunner(
            self.id, self.functions, self._log, self._record_invocation, record_calls=self._record_aws_calls
        )
        self.runner.check_all()
        self.mappings = self._mappings(cfn, prov)
        sqs = self.client("sqs")
        self._pollers = [
            Poller(m, sqs, self._poller_invoke, self.errors.append, self._poller_concurrency(m))
            for m in self.mappings
            if m.enabled and (self._pollers_for is None or m.function in self._pollers_for)
        ]
        self.scheduler = Scheduler(self.schedules, self._scheduled_invoke, self.speed)
        self.gateway.start()
        for poller in self._pollers:
            poller.start()
        self.scheduler.start()
        self.started = True
        if self.state_file is not None:
            from journeysync_local.control import ControlServer

            self.control = ControlServer(self).start()
            state.write(self.state_file, self.describe())

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        for poller in self._pollers:
            poller.stop()
        for poller in self._pollers:
            poller.join()
        if self.gateway is not None and self.started:
            self.gateway.stop()
        if self.runner is not None:
            self.runner.close()
        if self.control is not None:
            self.control.stop()
            self.control = None
        if self.state_file is not None:
            state.remove(self.state_file)
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        self.started = False

    def describe(self) -> dict[str, Any]:
        """What the state file holds: enough for another process to use the stack."""
        return {
            "pid": os.getpid(),
            "stack_name": self.stack_name,
            "template": str(self.template_path),
            "moto_url": self.moto_url,
            "gateway_url": self.url,
            "region": LOCAL_REGION,
            "secrets_prefix": self.secrets_prefix,
            "resources": {lid: p.to_json() for lid, p in self.physical.items()},
            "outputs": self.outputs,
            "functions": {
                lid: {"name": s.name, "handler": s.handler, "env": s.env} for lid, s in self.functions.items()
            },
            "dead_letter_queues": self.dead_letter_queues(),
            "webhook_urls": self.webhook_urls(),
            "control_url": self.control.url if self.control else None,
            "control_token": self.control.token if self.control else None,
            "started_at": datetime.now(UTC).isoformat(),
        }

    # ------------------------------------------------------------------ assembly
    def _routes(self) -> list[Route]:
        routes = []
        for lid, res in (self._raw.get("Resources") or {}).items():
            if res.get("Type") != "AWS::Serverless::Function":
                continue
            for event in ((res.get("Properties") or {}).get("Events") or {}).values():
                if event.get("Type") in ("HttpApi", "Api"):
                    props = event.get("Properties") or {}
                    routes.append(compile_route(lid, props.get("Method", "ANY"), props.get("Path")))
        return routes

    def _function_specs(self, cfn: dict[str, Any], prov: Provisioner) -> dict[str, FunctionSpec]:
        specs = {}
        base = point_boto3_at(self.moto_url, {})
        gateway_url = self.url
        emails: set[str] = set()
        for lid, res in (cfn.get("Resources") or {}).items():
            if res.get("Type") != "AWS::Lambda::Function":
                continue
            props = res.get("Properties") or {}
            if "Handler" not in props:
                raise TemplateError(f"{lid}: only zip functions with a Handler run locally")
            variables = prov.resolve(((props.get("Environment") or {}).get("Variables")) or {})
            name = self.physical[lid].ref
            memory = int(props.get("MemorySize", 128))
            env = {
                **base,
                **self._function_env,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
                "_HANDLER": props["Handler"],
                "POWERTOOLS_SERVICE_NAME": props["Handler"].split(".", 1)[0],
                "JOURNEYSYNC_SECRETS_PREFIX": self.secrets_prefix,
                "JOURNEYSYNC_SQUARE_NOTIFICATION_URL": f"{gateway_url}/webhooks/square",
                "JOURNEYSYNC_LOCAL_GATEWAY_URL": gateway_url,
            }
            for key, value in variables.items():
                text = "" if value is None else str(value)
                text = text.replace(f"https://{LOCAL_API_HOST}", gateway_url)
                env[key] = text
                if looks_like_email(text):
                    emails.add(text)
            # the stack's own namespace for secrets wins over the template's SecretsPrefix (stacks share a moto server)
            env["JOURNEYSYNC_SECRETS_PREFIX"] = self.secrets_prefix
            if not env.get("JOURNEYSYNC_SQUARE_NOTIFICATION_URL"):  # the template leaves it empty to mean "our own URL"
                env["JOURNEYSYNC_SQUARE_NOTIFICATION_URL"] = f"{gateway_url}/webhooks/square"
            if env.get("JOURNEYSYNC_CONFIG_DIR", "").startswith("/opt"):
                env["JOURNEYSYNC_CONFIG_DIR"] = str(self.config_dir)
            specs[lid] = FunctionSpec(
                logical_id=lid,
                name=name,
                arn=self.physical[lid].attrs["Arn"],
                handler=props["Handler"],
                timeout=int(props.get("Timeout", 3)),
                memory=memory,
                env=env,
                concurrency=int(props.get("ReservedConcurrentExecutions") or DEFAULT_CONCURRENCY),
            )
        for address in sorted(emails):
            prov.verify_email(address)
        return specs

    def _outputs(self, cfn: dict[str, Any], prov: Provisioner) -> dict[str, Any]:
        outputs = {}
        for name, spec in (cfn.get("Outputs") or {}).items():
            try:
                outputs[name] = prov.resolve(spec.get("Value"))
            except TemplateError as exc:
                self.notes.append(f"output {name}: {exc}")
        return outputs

    def _create_vendor_secrets(self) -> None:
        self.vendor_secrets = self._secrets_override or vendor_secrets()
        client = self.client("secretsmanager")
        for vendor, value in self.vendor_secrets.items():
            name = f"{self.secrets_prefix}{vendor}"
            try:
                client.create_secret(Name=name, SecretString=value)
            except client.exceptions.ResourceExistsException:
                # the template generates its own signing keys; locally the printed dev value replaces them
                if not (self.attach or vendor in SIGNING_KEYS):
                    raise
                client.put_secret_value(SecretId=name, SecretString=value)

    def _mappings(self, cfn: dict[str, Any], prov: Provisioner) -> list[MappingSpec]:
        by_arn = {p.attrs.get("Arn"): p for p in self.physical.values() if p.type == "AWS::SQS::Queue"}
        mappings = []
        for lid, res in (cfn.get("Resources") or {}).items():
            if res.get("Type") != "AWS::Lambda::EventSourceMapping":
                continue
            props = res.get("Properties") or {}
            function_ref = props.get("FunctionName")
            function = function_ref.get("Ref") if isinstance(function_ref, dict) else None
            if function not in self.functions:
                raise TemplateError(f"{lid}: event source mapping must name a function of the template with !Ref")
            source = prov.resolve(props.get("EventSourceArn"))
            queue = by_arn.get(source)
            if queue is None:
                raise TemplateError(f"{lid}: only SQS event sources run locally (got {source})")
            mappings.append(
                MappingSpec(
                    logical_id=lid,
                    function=function,
                    queue_url=queue.ref,
                    queue_arn=str(source),
                    batch_size=int(props.get("BatchSize", 10)),
                    batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    maximum_concurrency=int((props.get("ScalingConfig") or {}).get("MaximumConcurrency") or 0),
                    enabled=str(props.get("Enabled", True)).lower() != "false",
                )
            )
        for target in prov.rule_targets:
            mappings.append(
                MappingSpec(
                    logical_id=f"{target.rule}->{target.function}",
                    function=target.function,
                    queue_url=target.queue_url,
                    queue_arn=target.queue_arn,
                    batch_size=1,
                    kind="eventbridge",
                )
            )
        return mappings

    # ------------------------------------------------------------------ invocation paths
    def _log(self, line: LogLine) -> None:
        self.logs.append(line)
        if self._on_log is not None:
            self._on_log(line)

    def _record_invocation(self, record: Invocation) -> None:
        with self._lineage_lock:
            self.invocations.append(record)
            self._segment_roots[record.segment] = record.roots

    def _poller_concurrency(self, mapping: MappingSpec) -> int:
        """Lambda scales an SQS mapping up to its MaximumConcurrency, never past the function's own."""
        limit = self.functions[mapping.function].concurrency
        return min(limit, mapping.maximum_concurrency) if mapping.maximum_concurrency else limit

    def _lineage(self, messages: list[dict[str, Any]]) -> tuple[frozenset[str], str | None]:
        """The webhooks whose processing sent `messages`, and the trace to continue (when they share one).

        Every AWS call of an invocation carries its trace header (`Root=…;Parent=<segment>`), which
        SQS keeps as the message's AWSTraceHeader and EventBridge hands to its targets: the Parent
        names exactly the invocation that sent the message.
        """
        roots: set[str] = set()
        trace_roots: set[str] = set()
        with self._lineage_lock:
            for message in messages:
                fields = parse_trace_header((message.get("Attributes") or {}).get("AWSTraceHeader", ""))
                roots |= self._segment_roots.get(fields.get("Parent", ""), frozenset())
                if "Root" in fields:
                    trace_roots.add(fields["Root"])
        return frozenset(roots), (trace_roots.pop() if len(trace_roots) == 1 else None)

    def _gateway_invoke(self, function: str, event: dict[str, Any], request_id: str) -> Any:
        assert self.runner is not None
        return self.runner.invoke(function, event, trigger="http", roots=frozenset({request_id}))

    def _poller_invoke(self, mapping: MappingSpec, event: Any, messages: list[dict[str, Any]]) -> Any:
        assert self.runner is not None
        roots, trace_root = self._lineage(messages)
        return self.runner.invoke(
            mapping.function, event, trigger=f"sqs:{mapping.logical_id}", roots=roots, trace_root=trace_root
        )

    def _scheduled_invoke(self, spec: ScheduleSpec, event: Any) -> None:
        assert self.runner is not None
        self.runner.invoke(spec.function, event, trigger=f"schedule:{spec.logical_id}")
