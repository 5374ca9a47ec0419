"""Entry point of the `journeysync` console script.

Each module in `journeysync_cli.commands` exposes `register(app)`; adding a
command is adding a module, with no edit here. Commands import heavy things
lazily so `journeysync --help` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from journeysync_cli import commands

app = typer.Typer(
    name="journeysync",
    help="Keep a membership organisation's POS, ticketing, CRM, email and survey systems in sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main() -> None:
    """The console script: `app`, with AWS errors no command anticipated ending in one line, not a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        app()
    except (BotoCoreError, ClientError) as exc:
        from journeysync_cli.output import err_console

        err_console.print(
            f"[bold red]error:[/] AWS refused or could not be reached: {exc} "
            "(check AWS_PROFILE / AWS_REGION and the stack's permissions, or start a local stack with `journeysync dev`)",
            highlight=False,
            soft_wrap=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
