"""`journeysync migrate`: move profiles written by the one-document layout to the hot item + facts layout."""

from __future__ import annotations

from typing import Annotated

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json


def register(app: typer.Typer) -> None:
    @app.command("migrate")
    def migrate_command(
        max_items: Annotated[int | None, typer.Option("--max-items", min=1, help="stop after this many rewrites")] = None,
        segment: Annotated[int, typer.Option("--segment", min=0, help="this run's scan segment")] = 0,
        segments: Annotated[int, typer.Option("--segments", min=1, help="parallel runs in total")] = 1,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """Rewrite old-layout profiles and timeline items in place; safe to interrupt and run again."""
        from botocore.exceptions import BotoCoreError, ClientError

        from journeysync.profile.migrate import migrate
        from journeysync.store.profiles import ProfileStore

        if segment >= segments:
            fail(f"--segment {segment} must be below --segments {segments}")
        stack = connect_or_exit()
        try:
            report = migrate(ProfileStore(stack.resource("Table")), segment=segment, total_segments=segments,
                             max_items=max_items)
        except (BotoCoreError, ClientError) as exc:
            fail(f"migration stopped ({exc}); run `journeysync migrate` again to resume where it left off")
        summary = {"profiles": report.profiles, "timeline_items": report.timeline, "finished": not report.left}
        if as_json:
            print_json(summary)
            return
        tail = "done" if not report.left else "more left: run `journeysync migrate` again"
        console.print(f"migrated {report.profiles} profiles and {report.timeline} timeline items; {tail}")
