"""`journeysync webhooks urls`: what to paste into each vendor's webhook settings, from the stack's outputs."""

from __future__ import annotations

from typing import Annotated

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Vendor webhook endpoints of the stack.", no_args_is_help=True)
    app.add_typer(group, name="webhooks")

    @group.command("urls")
    def urls(as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False) -> None:
        """Each vendor's webhook URL (Mailchimp's and Eventbrite's carry their secret: set it first)."""
        from journeysync.aws import client
        from journeysync_cli.operations import OperationError, webhook_urls

        stack = connect_or_exit()
        try:
            found = webhook_urls(stack, client("secretsmanager"))
        except OperationError as exc:
            fail(str(exc))
        if as_json:
            print_json(found)
            return
        for vendor, url in found.items():
            shown = url or f"[yellow]set its token first: journeysync secrets set {vendor}[/]"
            console.print(f"{vendor:<13} {shown}", highlight=False, soft_wrap=True)
        if stack.mode == "aws":
            console.print(
                "[dim]square signs the URL itself: deploy with SquareNotificationUrl set to its URL above, byte for byte[/]"
            )
