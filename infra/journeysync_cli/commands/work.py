"""`journeysync work list`: what teams must do — stage actions and low-rating alerts — newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

work_app = typer.Typer(help="Owned work items (stage actions, low-rating alerts).", no_args_is_help=True)


@work_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="open, claimed, escalated, resolved or closed")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="low_rating, stage_action or abandoned")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Work items, newest first (alerts appear as kind low_rating)."""
    from journeysync.work.model import KINDS, STATUSES

    if status is not None and status not in STATUSES:
        fail(f"--status: must be one of {', '.join(STATUSES)}")
    if kind is not None and kind not in KINDS:
        fail(f"--kind: must be one of {', '.join(KINDS)}")
    stack = connect_or_exit()
    from journeysync.work.listing import list_work

    found = [i for i in list_work(stack.resource("Table"), statuses=[status] if status else STATUSES)
             if (kind is None or i.kind == kind) and (team is None or i.team == team)]
    if as_json:
        print_json([i.listing() for i in found])
        return
    if not found:
        console.print("no work items")
    for i in found:
        console.print(f"{i.created_at:%Y-%m-%d %H:%M}  [bold]{i.status:<9}[/] {i.kind:<12} {i.team:<18} "
                      f"{i.email or i.customer_id}  {i.title}  due {i.sla_due_at:%Y-%m-%d %H:%M}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(work_app, name="work")
