"""`journeysync config check`: validate a configuration directory and summarise it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from journeysync_cli.output import console, fail, print_json

ConfigOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.11
    typer.Option("--config", help="configuration directory (default: $JOURNEYSYNC_CONFIG_DIR or ./infra/config)"),
]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Inspect and validate configuration.", no_args_is_help=True)
    app.add_typer(group, name="config")

    @group.command("check")
    def check(config: ConfigOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Validate every configuration file; exit 1 naming the file and field if one is invalid."""
        from journeysync.config import load_config
        from journeysync.config.checks import warnings
        from journeysync.errors import ConfigError

        try:
            cfg = load_config(config)
        except ConfigError as exc:
            fail(f"{exc.source}: {exc.field}: {exc.message}")
        summary = {
            "directory": str(cfg.directory),
            "catalogue_entries": len(cfg.catalogue.entries),
            "journeys": [j.name for j in cfg.journeys.journeys],
            "segments": [s.name for s in cfg.segments.segments],
            "teams": [t.name for t in cfg.routing.teams],
            "surveyed_touchpoints": [t.touchpoint for t in cfg.surveys.touchpoints],
        }
        found_warnings = warnings(cfg)
        if as_json:
            print_json({**summary, "warnings": found_warnings})
            return
        console.print(f"[green]ok[/] {summary['directory']}")
        for key in ("catalogue_entries", "journeys", "segments", "teams", "surveyed_touchpoints"):
            console.print(f"  {key}: {summary[key]}")
        for line in found_warnings:
            console.print(f"[yellow]warning[/] {line}", highlight=False)
