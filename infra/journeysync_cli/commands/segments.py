"""`journeysync segments list` / `segments members NAME`: the configured segments, evaluated over the profile store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="configuration directory (default: $JOURNEYSYNC_CONFIG_DIR or ./infra/config)"),
]


def _memberships(config_dir: str | None) -> tuple[Any, Iterator[tuple[Any, frozenset[str]]]]:
    """The segments config and, lazily, (customer, segment names) for every live profile (one Scan, page by page)."""
    stack = connect_or_exit()
    from journeysync.config.loader import load_config
    from journeysync.errors import ConfigError
    from journeysync.segments import SegmentEngine
    from journeysync.store.profiles import ProfileStore

    try:
        config = load_config(config_dir)
    except ConfigError as exc:
        fail(str(exc))
    engine = SegmentEngine(config.segments)
    store = ProfileStore(stack.resource("Table"))
    now = datetime.now(UTC)

    def walk() -> Iterator[tuple[Any, frozenset[str]]]:
        for customer in store.iter_customers():
            if not customer.header.forgotten:
                yield customer, engine.evaluate(customer, now)

    return config.segments, walk()


def segment_counts(config_dir: str | None = None) -> dict[str, Any]:
    from journeysync.segments import overlap

    segments, walk = _memberships(config_dir)
    counts = {s.name: 0 for s in segments.segments}
    memberships: list[frozenset[str]] = []
    for _, names in walk:
        memberships.append(names)
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return {
        "customers": len(memberships),
        "segments": [
            {
                "name": s.name,
                "description": s.description,
                "members": counts[s.name],
                "suppression": s.suppression,
                "ses_topic": s.destinations.ses_topic,
                "mailchimp_tag": s.destinations.mailchimp_tag,
            }
            for s in segments.segments
        ],
        "overlap": overlap(memberships),
    }


def segment_members(name: str, config_dir: str | None = None) -> list[dict[str, Any]]:
    segments, walk = _memberships(config_dir)
    if segments.get(name) is None:
        fail(f"no segment {name!r} (segments: {', '.join(s.name for s in segments.segments)})")
    out = []
    customers = []
    for customer, names in walk:
        if name in names:
            p = customer.profile
            customers.append(customer.customer_id)
            out.append(
                {
                    "customer_id": customer.customer_id,
                    "email": customer.identity.primary_email,
                    "name": " ".join(x for x in (p.given_name, p.family_name) if x) or None,
                    "membership_status": p.membership.status,
                    "email_consent": p.email_consent.status,
                }
            )
    _add_pressure(out, customers, config_dir)
    return sorted(out, key=lambda m: (m["email"] or "", m["customer_id"]))


def _add_pressure(rows: list[dict[str, Any]], customer_ids: list[str], config_dir: str | None) -> None:
    """`pressure_ok` and, for a member held back by the contact-pressure cap, why."""
    from journeysync.config.loader import load_config
    from journeysync.engagement.pressure import hold_reason
    from journeysync.engagement.store import EngagementStore

    stack = connect_or_exit()
    pressure = load_config(config_dir).engagement.pressure
    states = EngagementStore(stack.resource("Table")).get_many(customer_ids)
    now = datetime.now(UTC)
    for row in rows:
        reason = hold_reason(states.get(row["customer_id"]), pressure, now)
        row["pressure_ok"] = reason is None
        row["held_back"] = reason


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The configured segments and who is in them now.", no_args_is_help=True)
    app.add_typer(group, name="segments")

    @group.command("list")
    def list_(
        config: ConfigOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """Every segment of segments.yaml with its member count from the profile store, and division overlap."""
        data = segment_counts(config)
        if as_json:
            print_json(data)
            return
        console.print(f"[bold]{data['customers']}[/] customers", highlight=False)
        for s in data["segments"]:
            target = ", ".join(x for x in (s["ses_topic"] and f"ses:{s['ses_topic']}",
                                           s["mailchimp_tag"] and f"mailchimp:{s['mailchimp_tag']}") if x)
            console.print(f"  {s['name']:<22} {s['members']:>6}  {target}", highlight=False)
        several = data["overlap"]["customers_on_several"]
        console.print(f"  on several division lists: {several} (one contact each per destination)", highlight=False)

    @group.command("members")
    def members(
        name: Annotated[str, typer.Argument(help="segment name, as in segments.yaml")],
        config: ConfigOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """The customers a segment holds right now (evaluated from the profile store)."""
        found = segment_members(name, config)
        if as_json:
            print_json(found)
            return
        console.print(f"[bold]{len(found)}[/] in {name}", highlight=False)
        for m in found:
            held = f"  held back: {m['held_back']}" if m["held_back"] else ""
            console.print(f"  {m['email'] or '-':<32} {m['customer_id']}  {m['name'] or ''}{held}", highlight=False)
