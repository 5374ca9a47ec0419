"""`journeysync report`: the journey analytics report of the stack's table, as self-contained HTML (or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from journeysync_cli.output import console, fail, print_json

if TYPE_CHECKING:
    from journeysync.analytics.model import JourneyReport
    from journeysync_cli.state import StackInfo


def build_stack_report(
    stack: StackInfo, config_dir: Path | None = None, abandon_after_days: int = 90, client: Any | None = None
) -> JourneyReport:
    """The report of `stack`'s table (profiles + destination sync states), now."""
    from datetime import UTC, datetime

    from journeysync.analytics.source import build_report
    from journeysync.config.loader import load_config
    from journeysync.destinations.state import SyncStateStore
    from journeysync.store.profiles import ProfileStore
    from journeysync.work.listing import list_work

    table = stack.resource("Table")
    return build_report(
        ProfileStore(table, client=client),
        load_config(config_dir),
        datetime.now(UTC),
        states=SyncStateStore(table, client=client),
        abandon_after_days=abandon_after_days,
        work_items=list_work(table, client),
    )


def write_journey_report(stack: StackInfo, path: Path | str, client: Any | None = None) -> Path:
    """Write the journey report of `stack` to `path` (HTML; the JSON beside it as `<stem>.json`); returns the path."""
    from journeysync.analytics.render import render_html

    report = build_stack_report(stack, client=client)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report), encoding="utf-8")
    out.with_suffix(".json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return out.resolve()


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        out: Annotated[Path, typer.Option("--out", help="where to write the HTML report")] = Path("report.html"),
        as_json: Annotated[bool, typer.Option("--json", help="print the report's data as JSON instead")] = False,
        config_dir: Annotated[Path | None, typer.Option("--config", help="configuration directory")] = None,
        abandon_after_days: Annotated[
            int, typer.Option("--abandon-after-days", min=1, help="idle days at a member-owned stage = abandoned")
        ] = 90,
    ) -> None:
        """Journey analytics: funnels, SLA breaches, abandonment, detractor hotspots, list overlap, sync freshness."""
        from journeysync.errors import ConfigError
        from journeysync_cli.state import StackNotFoundError, connect

        try:
            stack = connect()
            data = build_stack_report(stack, config_dir, abandon_after_days)
        except (StackNotFoundError, ConfigError) as exc:
            fail(str(exc))
        if as_json:
            print_json(data.model_dump(mode="json"))
            return
        from journeysync.analytics.render import render_html

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_html(data), encoding="utf-8")
        console.print(
            f"journey report of {data.customers} customers ({stack.mode} stack {stack.name}) → {out.resolve()}",
            highlight=False,
        )
