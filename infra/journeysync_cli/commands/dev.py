"""`journeysync dev` (the whole template on this machine, in the foreground) and `journeysync invoke`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

if TYPE_CHECKING:
    from journeysync_local.functions import LogLine

ConfigOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.11
    typer.Option("--config", help="configuration directory (default: ./infra/config)"),
]

_QUIET_KEYS = {
    "level",
    "message",
    "timestamp",
    "location",
    "service",
    "cold_start",
    "function_name",
    "xray_trace_id",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "sampling_rate",
}


def format_log(line: LogLine) -> str:
    """A Powertools JSON log line as one readable line; anything else as it came."""
    try:
        doc = json.loads(line.line)
    except ValueError:
        return f"[cyan]{line.function}[/] {line.line}"
    if not isinstance(doc, dict):
        return f"[cyan]{line.function}[/] {line.line}"
    if "_aws" in doc:  # EMF metrics
        names = [m["Name"] for d in doc["_aws"].get("CloudWatchMetrics", []) for m in d.get("Metrics", [])]
        return f"[cyan]{line.function}[/] [dim]metric {', '.join(names)}[/]"
    extras = " ".join(f"{k}={v}" for k, v in doc.items() if k not in _QUIET_KEYS)
    level = str(doc.get("level", "INFO"))
    colour = {"ERROR": "red", "WARNING": "yellow"}.get(level, "green")
    return f"[cyan]{line.function}[/] [{colour}]{level}[/] {doc.get('message', '')} [dim]{extras}[/]"


def register(app: typer.Typer) -> None:
    @app.command("dev")
    def dev(
        port: Annotated[int, typer.Option(help="gateway port on 127.0.0.1")] = 3000,
        config: ConfigOption = None,
        speed: Annotated[float, typer.Option(help="run schedules this many times faster than the clock")] = 1.0,
        quiet: Annotated[bool, typer.Option("--quiet", help="do not print handler logs")] = False,
        moto_url: Annotated[
            Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.11
            typer.Option("--moto-url", help="use this running moto server (its resources survive a restart)"),
        ] = None,
        stack_name: Annotated[
            Optional[str],  # noqa: UP045
            typer.Option("--stack-name", help="fixed resource names, so a restart with --moto-url finds them"),
        ] = None,
        visibility_scale: Annotated[
            float,
            typer.Option(help="shorten queue visibility timeouts (e.g. 0.05: a crashed batch is back in seconds)"),
        ] = 1.0,
    ) -> None:
        """Run the whole template on this machine (moto server, gateway, queue pollers, schedules) until Ctrl-C."""
        import signal
        import threading

        from journeysync_local.stack import PATH_TOKEN_VENDORS, LocalStack, TemplateError
        from rich.console import Console

        from journeysync_cli.state import default_path

        # handlers' stdout is redirected into the log sink while they run, so log lines must go to the real
        # stdout, or printing one would feed it back into the sink
        log_console = Console(file=sys.__stdout__)

        def show(line: LogLine) -> None:
            log_console.print(format_log(line), highlight=False, soft_wrap=True)

        console.print("==> starting a moto server on 127.0.0.1 and provisioning template.yaml into it")
        stack = LocalStack(
            port=port,
            config_dir=config,
            speed=speed,
            on_log=None if quiet else show,
            state_file=default_path(),
            moto_process=moto_url is None,
            moto_url=moto_url,
            stack_name=stack_name,
            visibility_scale=visibility_scale,
            attach=moto_url is not None,
        )
        try:
            stack.start()
        except (TemplateError, ImportError, OSError) as exc:
            fail(f"the local stack did not start: {exc}")
        console.print(f"[green]ready[/]: {len(stack.physical)} resources, {len(stack.functions)} functions")
        console.print(f"  gateway      {stack.url}")
        console.print(f"  moto server  {stack.moto_url}")
        console.print(f"  state file   {stack.state_file} (other journeysync commands here use this stack)")
        console.print("  webhook URLs (secret: JOURNEYSYNC_<VENDOR>_SECRET, else the dev default shown):")
        for vendor, url in stack.webhook_urls().items():
            how = "secret in the URL" if vendor in PATH_TOKEN_VENDORS else f"sign with {stack.vendor_secrets[vendor]!r}"
            console.print(f"    {vendor:<13} POST {url}  [dim]({how})[/]", highlight=False)
        for note in stack.notes:
            console.print(f"  [yellow]note[/] {note}")
        console.print("Ctrl-C stops the stack.")
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        try:
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            console.print("==> stopping")
            stack.stop()

    @app.command("invoke")
    def invoke(
        function: Annotated[
            str, typer.Argument(help="the function's logical id in template.yaml, e.g. ReconcileFunction")
        ],
        event: Annotated[
            Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.11
            typer.Option("--event", help="event JSON, @file, or - for stdin (default: its schedule's event, else {})"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Fire one function now: in the running `journeysync dev` stack, else the deployed one (Lambda Invoke)."""
        stack = connect_or_exit()
        payload = _read_event(event)
        if stack.mode == "local":
            result = _invoke_local(stack.control_url, stack.control_token, function, payload)
        else:
            result = _invoke_aws(stack.resource(function), payload)
        if as_json:
            print_json(result)
        else:
            console.print_json(json.dumps(result, default=str))


def _read_event(spec: str | None) -> Any:
    if spec is None:
        return None
    text = sys.stdin.read() if spec == "-" else Path(spec[1:]).read_text() if spec.startswith("@") else spec
    try:
        return json.loads(text)
    except ValueError as exc:
        fail(f"--event: not valid JSON ({exc})")


def _invoke_local(url: str | None, token: str | None, function: str, payload: Any) -> Any:
    import requests
    from journeysync_local.control import TOKEN_HEADER

    if not url or not token:
        fail("the running local stack has no control endpoint (restart `journeysync dev`)")
    action = "invoke" if payload is not None else "schedule"
    resp = requests.post(f"{url}/{action}/{function}", json=payload, headers={TOKEN_HEADER: token}, timeout=900)
    doc = resp.json()
    if resp.status_code == 404 and action == "schedule":
        resp = requests.post(f"{url}/invoke/{function}", json={}, headers={TOKEN_HEADER: token}, timeout=900)
        doc = resp.json()
    if resp.status_code != 200:
        fail(doc.get("error", resp.text))
    return doc


def _invoke_aws(function_name: str, payload: Any) -> Any:
    from journeysync.aws import client

    resp = client("lambda").invoke(FunctionName=function_name, Payload=json.dumps(payload or {}).encode())
    body = json.loads(resp["Payload"].read() or b"null")
    if resp.get("FunctionError"):
        fail(f"{function_name} failed: {body}")
    return {"result": body}
