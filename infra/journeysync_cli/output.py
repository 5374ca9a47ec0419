"""Shared console output: rich for people, plain JSON for `--json`, clean errors for both."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console

if TYPE_CHECKING:
    from journeysync_cli.state import StackInfo

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no colour codes), so `--json` output pipes into jq."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, sort_keys=False) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    """A one-line error on stderr and a non-zero exit; never a traceback."""
    import typer

    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def connect_or_exit() -> StackInfo:
    """The stack every operator command talks to (the running local one, else the deployed one), or a clean exit."""
    from journeysync_cli.state import StackNotFoundError, connect

    try:
        return connect()
    except StackNotFoundError as exc:
        fail(str(exc))
