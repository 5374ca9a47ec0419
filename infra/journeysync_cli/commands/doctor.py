"""`journeysync doctor`: is the stack ready to take webhooks, and is anything failing right now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from journeysync_cli.output import connect_or_exit, console, print_json

MARKS = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False) -> None:
        """Secrets present, SES sender verified, schedules enabled, DLQs empty, last reconcile; exit 1 on a failure."""
        from botocore.exceptions import BotoCoreError, ClientError

        from journeysync.aws import client
        from journeysync_cli import operations as ops

        stack = connect_or_exit()
        checks: list[ops.Check] = []
        probes: tuple[tuple[str, Callable[[], list[ops.Check]]], ...] = (
            ("secrets", lambda: ops.check_secrets(stack, client("secretsmanager"))),
            ("SES sender", lambda: ops.check_sender(stack, client("sesv2"))),
            ("schedules", lambda: ops.check_schedules(stack, client("events"))),
            ("dead-letter queues", lambda: ops.check_dead_letter_queues(stack, client("sqs"))),
            ("last reconcile", lambda: ops.check_last_reconcile(stack, client("s3"))),
        )
        for name, probe in probes:
            try:
                checks += probe()
            except (BotoCoreError, ClientError) as exc:  # one unreadable part must not hide the others
                checks.append(ops.Check(name, "fail", f"could not be read: {exc}"))
        if as_json:
            print_json([c.__dict__ for c in checks])
        else:
            console.print(f"[bold]{stack.name}[/] ({stack.mode})")
            for check in checks:
                console.print(f"  {MARKS[check.status]} {check.name}: {check.detail}", highlight=False, soft_wrap=True)
        if any(c.status == "fail" for c in checks):
            raise typer.Exit(1)
