"""`journeysync reconcile [--dry-run] [--json]`: find and repair drift now, as the nightly function does.

On a local stack the pass runs in this process with the ReconcileFunction's own environment
(the same code, the same moto server); on a deployed stack the function itself is invoked.
`--json` prints the report: integer counts under the class names (`drift.missing`, …).
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

FUNCTION = "ReconcileFunction"


def run_local(stack: Any, *, dry_run: bool) -> dict[str, Any]:
    """Run one pass in-process against a local stack (`journeysync_cli.state.StackInfo`)."""
    env = stack.function_env(FUNCTION)
    if not env:
        fail(f"the local stack {stack.name} has no {FUNCTION}: is template.yaml current?")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("JOURNEYSYNC_", "POWERTOOLS_", "AWS_ENDPOINT"))})
    from journeysync.aws import reset_clients
    from journeysync.reconcile.run import reconcile
    from journeysync.reconcile.wiring import default_deps
    from journeysync.settings import get_settings

    reset_clients()
    get_settings.cache_clear()
    deps = default_deps()
    deps.metrics = False  # EMF is the function's: here stdout is the report
    return reconcile(deps, dry_run=dry_run)


def _invoke_deployed(stack: Any, *, dry_run: bool) -> dict[str, Any]:
    import boto3

    name = stack.resource(FUNCTION)
    resp = boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"dry_run": dry_run}).encode())
    doc: dict[str, Any] = json.loads(resp["Payload"].read() or b"{}")
    if resp.get("FunctionError"):
        fail(f"{name} failed: {doc.get('errorMessage', doc)}")
    return doc


def _print(doc: dict[str, Any]) -> None:
    title = "reconcile (dry run: nothing changed)" if doc.get("dry_run") else "reconcile"
    console.print(f"[bold]{title}[/]")
    for kind, found in doc["drift"].items():
        console.print(f"  {kind:<18} found {found:>6}   repaired {doc['repaired'].get(kind, 0):>6}", highlight=False)
    for target, data in doc.get("by_target", {}).items():
        console.print(f"  {target}: {json.dumps(data['drift'])} scanned {json.dumps(data['scanned'])}", highlight=False)
    for failure in doc.get("failures", [])[:10]:
        console.print(f"  [red]failed[/] {failure}", highlight=False)
    for kind, where in (doc.get("report") or {}).items():
        console.print(f"  report ({kind}): {where}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("reconcile")
    def reconcile_command(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="find drift, change nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Diff the email destinations against the profiles and backfill missed POS webhooks; repair."""
        stack = connect_or_exit()
        doc = run_local(stack, dry_run=dry_run) if stack.mode == "local" else _invoke_deployed(stack, dry_run=dry_run)
        if as_json:
            print_json(doc)
        else:
            _print(doc)
