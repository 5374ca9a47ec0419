"""`journeysync profile get` and `journeysync forget`: look a customer up, or erase them everywhere."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json


def _store_and_config() -> tuple[Any, Any, Any]:
    stack = connect_or_exit()
    from journeysync.config.loader import load_config
    from journeysync.errors import ConfigError
    from journeysync.store.profiles import ProfileStore

    try:
        config = load_config()
    except ConfigError as exc:
        fail(str(exc))
    return stack, ProfileStore(stack.resource("Table")), config


def _find(store: Any, config: Any, email: str | None, phone: str | None, customer_id: str | None) -> Any:
    from journeysync.profile.view import find

    if sum(bool(x) for x in (email, phone, customer_id)) != 1:
        fail("give exactly one of --email, --phone, --id")
    try:
        return find(store, email=email, phone=phone, customer_id=customer_id,
                    default_region=config.catalogue.default_region)
    except ValueError as exc:
        fail(f"{'--email' if email else '--phone'}: {exc}")


def _print(data: dict[str, Any]) -> None:
    p = data["profile"]
    m = p["membership"]
    name = " ".join(x for x in (p.get("given_name"), p.get("family_name")) if x) or "(no name)"
    console.print(f"[bold]{name}[/]  {data['customer_id']}  v{data['version']}", highlight=False)
    console.print(f"  keys: {', '.join(data['identity_keys'])}", highlight=False)
    until = (m.get("valid_until") or "")[:10]
    console.print(
        f"  membership: {m.get('tier') or '-'} {m['status']} until {until or '-'}  "
        f"can book online: {'yes' if m['can_book_online'] else 'no'}", highlight=False,
    )
    console.print(f"  email consent: {p['email_consent']['status']}  vip: {p['vip']}  at risk: {p['at_risk']}")
    for name, j in data["journeys"].items():
        sla = f", SLA {j['sla_due_at'][:16]}" if j["sla_due_at"] else ""
        console.print(f"  journey {name}: [bold]{j['stage']}[/] ({j['owner']}{sla})", highlight=False)
    if not data["journeys"]:
        console.print("  journeys: none")
    console.print(f"  segments: {', '.join(data['segments']) or 'none'}", highlight=False)
    console.print("  timeline (newest first):")
    for e in data["timeline"]:
        console.print(f"    {e['time'][:19]}  {e['type']:<22} {e['source']}", highlight=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Look at customer profiles.", no_args_is_help=True)
    app.add_typer(group, name="profile")

    @group.command("get")
    def get(
        email: Annotated[str | None, typer.Option("--email", help="any capitalisation")] = None,
        phone: Annotated[str | None, typer.Option("--phone", help="any format; national numbers use the catalogue's region")] = None,
        customer_id: Annotated[str | None, typer.Option("--id", help="customer id (tombstones are followed)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """A profile: identity keys, membership, journey positions, segments and the last 20 timeline events."""
        from journeysync.profile.view import view

        _, store, config = _store_and_config()
        customer = _find(store, config, email, phone, customer_id)
        if customer is None:
            fail("no such customer")
        data = view(store, customer, config)
        if as_json:
            print_json(data)
        else:
            _print(data)

    @app.command("forget")
    def forget(
        email: Annotated[str | None, typer.Option("--email")] = None,
        phone: Annotated[str | None, typer.Option("--phone")] = None,
        customer_id: Annotated[str | None, typer.Option("--id")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """Erase a customer: profile, keys, timeline, archived raw payloads; tell every destination to delete."""
        from journeysync.profile.forget import forget_customer
        from journeysync.profile.publish import Publisher

        stack, store, config = _store_and_config()
        customer = _find(store, config, email, phone, customer_id)
        if customer is None:
            fail("no such customer")
        if not yes and not as_json:
            typer.confirm(f"Erase customer {customer.customer_id} and everything journeysync holds about them?",
                          abort=True)
        report = forget_customer(
            store, customer.customer_id, archive_bucket=stack.resources.get("ArchiveBucket"),
        )
        published = Publisher(stack.resource("EventBus")).publish([report.change]) if report.change else 0
        summary = {
            "customer_id": report.customer_id,
            "customers_erased": report.customers,
            "items_deleted": report.items_deleted,
            "keys_deleted": report.keys_deleted,
            "archived_payloads_deleted": report.archived_deleted,
            "customer_forgotten_published": bool(published),
        }
        if as_json:
            print_json(summary)
            return
        console.print(
            f"erased {report.customer_id}: {report.items_deleted} items, {report.keys_deleted} keys, "
            f"{report.archived_deleted} archived payloads; customer.forgotten sent to destinations",
            highlight=False,
        )
