"""`journeysync inventory score`: the system inventory scorecard (inventory → scoring → integration order)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from journeysync_cli.output import console, fail, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Score the organisation's systems and choose what to integrate next.", no_args_is_help=True)
    app.add_typer(group, name="inventory")

    @group.command("score")
    def score(
        file: Annotated[Path, typer.Argument(help="inventory YAML (see infra/config/inventory.example.yaml)")],
        strategy: Annotated[
            str, typer.Option("--strategy", help="impact-first (default: highest impact, least complexity first) or complexity-first")
        ] = "impact-first",
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout, in rank order")] = False,
    ) -> None:
        """Impact and complexity scores, a disposition and the integration order of every system."""
        from journeysync.inventory import STRATEGIES, InventoryError, load_inventory, score_inventory

        if strategy not in STRATEGIES:
            fail(f"--strategy: must be one of {', '.join(STRATEGIES)}")
        try:
            inventory = load_inventory(file)
        except InventoryError as exc:
            fail(str(exc))
        scored = score_inventory(inventory, strategy)
        if as_json:
            print_json([s.to_json() for s in scored])
            return
        from rich.table import Table

        table = Table(title=f"{file.name} - {strategy}", title_justify="left")
        for column, justify in (
            ("rank", "right"), ("system", "left"), ("impact", "right"), ("complexity", "right"),
            ("disposition", "left"), ("connector", "left"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for s in scored:
            row = s.to_json()
            table.add_row(
                str(row["rank"]), row["name"], f"{row['impact_score']:.1f}", f"{row['complexity_score']:.1f}",
                row["disposition"], row["connector"] or "-",
            )
        console.print(table)
