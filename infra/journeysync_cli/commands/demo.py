"""`journeysync demo`: start the stack in-process, play a realistic day through it, prove nothing was lost."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from journeysync_cli.output import console, fail, print_json

if TYPE_CHECKING:
    from journeysync_local.stack import LocalStack


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        members: Annotated[int, typer.Option(help="members in the organisation")] = 150,
        seed: Annotated[int, typer.Option(help="random seed (the same seed plays the same day)")] = 7,
        report: Annotated[Path, typer.Option(help="where to write the HTML report")] = Path("demo-report.html"),
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
        drain_timeout: Annotated[float, typer.Option(help="seconds to wait for every queue to drain")] = 120.0,
    ) -> None:
        """Play a day of the Riverside Museum as signed vendor webhooks; exit 1 if anything was lost or dead-lettered."""
        from journeysync_local.demo.play import DemoRun, summarise
        from journeysync_local.demo.report import write_report
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        started = time.monotonic()
        run = DemoRun(members=members, seed=seed)
        if not as_json:
            console.print("==> starting the local stack (moto server, gateway, pollers) and the vendor stand-in")
        try:
            stack = run.start()
            day = run.build()
            if not as_json:
                console.print(
                    f"==> playing {len(day.deliveries)} vendor deliveries for {members} members to {stack.url}"
                )
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                disable=as_json,
                transient=False,
            ) as progress:
                task = progress.add_task("webhooks", total=len(day.deliveries))
                run.play(day, tick=lambda n: progress.advance(task, n))
            if not as_json:
                console.print("==> waiting for every queue to drain")
            try:
                stack.wait_idle(timeout=drain_timeout, settle=0.2)
            except TimeoutError as exc:
                console.print(f"[yellow]warning[/]: {exc}")
            if not as_json:
                console.print("==> tampering with the SES list and dropping webhooks, then reconciling")
            from journeysync_local.demo.reconcile_step import tamper_and_reconcile

            reconciled = tamper_and_reconcile(stack, run.standin)
            if not as_json:
                console.print("==> mailing a week of campaigns within the contact-pressure cap; readers open them")
            from journeysync_local.demo.engagement_step import play_engagement_week

            engagement = play_engagement_week(stack, seed=seed)
            if not as_json:
                console.print("==> next morning: surveys fall due, members tap a rating, teams get their work")
            from journeysync_local.demo.loops_step import run_loops

            loops = run_loops(stack)
            summary = summarise(run, day, started)
            summary.loops = {k: v for k, v in loops.items() if k != "lines"}
            summary.notes += loops["lines"]
            summary.reconcile = {
                "tampered": reconciled["tampered"],
                "found": reconciled["first"]["drift"],
                "repaired": reconciled["first"]["repaired"],
                "second_run_drift": sum(reconciled["second"]["drift"].values()),
            }
            summary.notes += reconciled["lines"] + engagement["lines"]
            journey_report = _journey_report(stack, report.with_name("journey-report.html"))
        finally:
            run.stop()
        out = write_report(summary, report)
        if as_json:
            print_json(summary.to_json())
        else:
            _print(summary, out)
            console.print(f"journey report: {journey_report}")
        dead = sum(summary.dead_lettered.values())
        if summary.lost or dead:
            fail(f"{summary.lost} events lost, {dead} dead-lettered")


def _journey_report(stack: LocalStack, path: Path) -> Path:
    """The journey analytics report of the day, from the stack's own table."""
    from journeysync_cli.commands.report import write_journey_report
    from journeysync_cli.state import from_state

    # the stack's own client: the demo never points this process's environment at its moto server
    return write_journey_report(from_state(stack.describe()), path, client=stack.client("dynamodb"))


def _print(s: object, report: Path) -> None:
    from journeysync_local.demo.play import Summary
    from rich.table import Table

    assert isinstance(s, Summary)
    table = Table(title="A day at the Riverside Museum", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("webhooks sent", s.webhooks_sent),
        ("  accepted (200/202)", s.accepted),
        ("  rejected (4xx: forged, malformed)", s.rejected),
        ("canonical events accepted", s.events_accepted),
        ("vendor API calls (enrichment)", s.vendor_api_calls),
        ("profiles", s.profiles),
        ("merges (same person, two addresses)", s.merges),
        ("members who can book online", s.can_book_online),
        ("journey positions", sum(s.journey_stages.values())),
        ("SES contacts", s.ses_contacts),
        ("suppressions (unsubscribed at the destination)", s.suppressed_at_destination),
        ("alerts routed", "—" if s.alerts_routed is None else s.alerts_routed),
        ("surveys sent", s.loops.get("surveys_sent", "—")),
        ("  ratings received from them", s.loops.get("survey_ratings_received", "—")),
        *((f"work items: {kind}", ", ".join(f"{n} {status}" for status, n in sorted(c.items())))
          for kind, c in sorted(s.loops.get("work_items", {}).items())),
        ("dead-lettered", sum(s.dead_lettered.values())),
        ("lost", s.lost),
        ("latency webhook → last effect p50", f"{s.latency_p50_ms:.0f} ms"),
        ("latency webhook → last effect p95", f"{s.latency_p95_ms:.0f} ms"),
        ("wall time", f"{s.wall_seconds:.1f} s"),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    for note in s.notes:
        console.print(f"[dim]note: {note}[/]")
    console.print(f"report: {report.resolve()}")
