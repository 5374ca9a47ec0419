"""Run `sam build` output the way Lambda runs it: a fresh interpreter that sees only the function's directory,
its layers' python/ directories and the runtime's own boto3 — no virtualenv, no editable install, no network.

`build_for_this_machine()` runs the real `sam build` (the same makefiles, locks and compileall as a deploy),
for this machine's architecture so the compiled wheels load here. `run_handler()` imports one handler,
invokes it once with an event of its trigger's shape, and reports the time of each and the first AWS call
it made: every AWS call is stopped there (answered as an unreachable endpoint), so nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeysync_local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
# what the Lambda Python runtime provides next to the layers (boto3 and what it needs)
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: every AWS call fails at once, locally


def host_arch() -> tuple[str, str]:
    """(template Architectures value, manylinux platform suffix) of this machine."""
    return ("arm64", "aarch64") if platform.machine() in ("aarch64", "arm64") else ("x86_64", "x86_64")


def build_for_this_machine(build_dir: Path, timeout: float = 600) -> Path:
    """`sam build` of template.yaml (its architecture switched to this machine's) into `build_dir`."""
    arch, wheel_arch = host_arch()
    build_dir.mkdir(parents=True, exist_ok=True)
    template = build_dir.parent / f"{build_dir.name}-template.yaml"
    template.write_text((ROOT / "template.yaml").read_text().replace("arm64", arch))
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHON": sys.executable,
        "LAMBDA_ARCH": wheel_arch,
    }
    done = subprocess.run(
        [str(bin_dir / "sam"), "build", "--template-file", str(template), "--base-dir", str(ROOT),
         "--build-dir", str(build_dir), "--build-in-source", "--no-cached"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"sam build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return build_dir


def runtime_dir(where: Path) -> Path:
    """A directory holding only the runtime's boto3 and its dependencies (links into this interpreter's)."""
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    where.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        link = where / name
        if not link.exists():
            link.symlink_to(site / name)
    return where


@dataclass
class Handler:
    logical_id: str
    handler: str
    code_dir: Path
    layer_dirs: list[Path]
    env: dict[str, str]
    event: dict[str, Any]


def _placeholder(name: str) -> str:
    if (name.endswith("_URL") and "QUEUE" in name) or name.endswith("DLQ_URL"):
        return f"https://sqs.eu-west-2.amazonaws.com/123456789012/{name.lower()}"
    if name.endswith("_URL"):
        return "https://example.invalid"
    return name.lower().replace("_", "-")


def _event(resource: dict[str, Any]) -> dict[str, Any]:
    events = list((resource["Properties"].get("Events") or {}).values())
    kind = events[0]["Type"] if events else "Schedule"
    if kind == "HttpApi":
        props = events[0]["Properties"]
        path = props["Path"].replace("{vendor}", "cloudevents").replace("{token}", "t0k3n").replace("{action}", "claim")
        return {
            "version": "2.0",
            "routeKey": f"{props['Method']} {props['Path']}",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {"content-type": "application/json", "host": "api.example.invalid"},
            "requestContext": {"http": {"method": props["Method"], "path": path, "sourceIp": "192.0.2.1"},
                               "requestId": "r-1", "timeEpoch": 1764806400000, "stage": "$default"},
            "pathParameters": {"vendor": "cloudevents", "token": "t0k3n", "action": "claim"},
            "body": '{"specversion": "1.0"}',
            "isBase64Encoded": False,
        }
    if kind == "SQS":
        return {"Records": [{"messageId": "m-1", "receiptHandle": "h", "body": "{}", "attributes": {
            "ApproximateReceiveCount": "1", "MessageGroupId": "g"}, "messageAttributes": {},
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:q", "awsRegion": "eu-west-2"}]}
    return {"version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events",
            "time": "2026-12-04T03:15:00Z", "region": "eu-west-2", "resources": [], "detail": {}}


def handlers(build_dir: Path, parameters: dict[str, str] | None = None) -> list[Handler]:
    """Every function of the built template, with its code and layer directories and an environment.

    Environment values that are parameters take `parameters` (else their defaults); resource references
    become placeholders of the right shape (queue URLs, names): the first call to them is where we stop.
    """
    built = load_template(build_dir / "template.yaml")
    resources = built["Resources"]
    declared = built.get("Parameters") or {}
    given = {k: str(spec["Default"]) for k, spec in declared.items() if "Default" in spec} | (parameters or {})

    def value(name: str, raw: Any) -> str:
        if isinstance(raw, str):
            return raw
        if isinstance(raw, dict) and raw.get("Ref") in given:
            return given[raw["Ref"]]
        return _placeholder(name)

    glob = built.get("Globals", {}).get("Function", {})
    out = []
    for lid, res in sorted(resources.items()):
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        layers = [ref["Ref"] for ref in (glob.get("Layers") or []) + (props.get("Layers") or [])]
        layer_dirs = []
        for layer in layers:
            content = Path(resources[layer]["Properties"]["ContentUri"])
            content = content if content.is_absolute() else build_dir / content
            # a layer's python/ is on the path; a layer without one (the config) is mounted at /opt
            layer_dirs.append(content / "python" if (content / "python").is_dir() else content)
        variables = {**(glob.get("Environment") or {}).get("Variables", {}),
                     **((props.get("Environment") or {}).get("Variables") or {})}
        env = {k: value(k, v) for k, v in variables.items()}
        config = next((d for d in layer_dirs if (d / "routing.yaml").is_file()), ROOT / "infra" / "config")
        env["JOURNEYSYNC_CONFIG_DIR"] = str(config)
        code = Path(props.get("CodeUri") or glob.get("CodeUri"))
        out.append(Handler(lid, props["Handler"], code if code.is_absolute() else build_dir / code,
                           [d for d in layer_dirs if d != config], env, _event(res)))
    return out


# Runs inside the sandboxed interpreter (python -I -S): only the paths given, then one import and one call.
_RUNNER = r"""
import gc, importlib.abc, importlib.util, json, sys, time
spec = json.loads(sys.argv[1])
started = time.perf_counter()
sys.path[:0] = spec["path"]
sys.path.append(spec["runtime"])
calls = []

class _StopAtTheFirstAwsCall(importlib.abc.MetaPathFinder):
    # wraps botocore's client when (and only if) the handler imports it: nothing is imported early
    def find_spec(self, name, path=None, target=None):
        if name != "botocore.client":
            return None
        sys.meta_path.remove(self)
        found = importlib.util.find_spec(name)
        sys.meta_path.insert(0, self)
        original = found.loader.exec_module
        def exec_module(module):
            original(module)
            from botocore.exceptions import EndpointConnectionError
            def stopped(client, operation, params):
                calls.append(client.meta.service_model.service_name + "." + operation)
                raise EndpointConnectionError(endpoint_url=client.meta.endpoint_url)
            module.BaseClient._make_api_call = stopped
        found.loader.exec_module = exec_module
        return found

if spec["handler"]:
    sys.meta_path.insert(0, _StopAtTheFirstAwsCall())
    module_name, _, attr = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), attr)
    imported = time.perf_counter()
    class Context:
        function_name = spec["name"]; function_version = "$LATEST"; memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:" + spec["name"]
        aws_request_id = "req-1"; log_group_name = "/aws/lambda/x"; log_stream_name = "s"
        def get_remaining_time_in_millis(self): return 10000
    error = None
    try:
        result = handler(spec["event"], Context())
    except Exception as exc:
        result, error = None, type(exc).__name__ + ": " + str(exc)[:300]
    done = time.perf_counter()
else:  # the baseline: what any Python function pays for boto3 and one client (after `floor`, if given)
    exec(spec.get("floor") or "")
    import boto3
    boto3.client("sqs")
    imported = done = time.perf_counter()
    result, error = None, None
outside = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}
                 - {""})
allowed = tuple(spec["path"]) + (spec["runtime"], spec["stdlib"], spec["platstdlib"])
print(json.dumps({
    "import_s": imported - started, "invoke_s": done - imported, "total_s": done - started,
    "first_aws_call": calls[0] if calls else None, "error": error,
    "gc_enabled": gc.isenabled(), "gc_frozen": gc.get_freeze_count(),
    "powertools_parser": "aws_lambda_powertools.utilities.parser" in sys.modules,
    "result": result if isinstance(result, (dict, list, str, int, type(None))) else repr(result),
    "outside": [f for f in outside if not f.startswith(allowed)],
    "modules": sorted(m.split(".")[0] for m in sys.modules),
}, default=str))
"""


def run_handler(
    handler: Handler | None, runtime: Path, timeout: float = 60, floor: str = "", layers: list[Path] | None = None
) -> dict[str, Any]:
    """One fresh interpreter: import + first invocation of `handler` (None = the boto3 baseline).

    With `floor` (Python statements) and `layers` on the path, the baseline runs them first: what a
    handler pays for libraries before any code of its own."""
    spec = {
        "path": [str(handler.code_dir), *map(str, handler.layer_dirs)] if handler else list(map(str, layers or [])),
        "floor": floor,
        "runtime": str(runtime),
        "stdlib": sysconfig.get_paths()["stdlib"],
        "platstdlib": sysconfig.get_paths()["platstdlib"],
        "handler": handler.handler if handler else None,
        "name": handler.logical_id if handler else "baseline",
        "event": handler.event if handler else None,
    }
    env: dict[str, str] = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "AWS_REGION": "eu-west-2",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_ENDPOINT_URL": UNREACHABLE,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_LAMBDA_FUNCTION_NAME": str(spec["name"]),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        **(handler.env if handler else {}),
    }
    # -I: no user site, no PYTHON* variables; -S: not even the virtualenv's site-packages
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _RUNNER, json.dumps(spec)],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{spec['name']}: the sandbox failed ({done.returncode})\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["stderr"] = done.stderr
    return report
