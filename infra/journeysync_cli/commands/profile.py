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
    if data["unverified_claims"]:
        console.print(f"  unverified claims (not merged): {', '.join(data['unverified_claims'])}", highlight=False)
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
        """Erase a customer everywhere: destinations, profile, keys, timeline, alerts, archive, dead letters."""
        from journeysync.profile.forget import DestinationRefusedError, forget_everywhere
        from journeysync.profile.publish import Publisher

        stack, store, config = _store_and_config()
        customer = _find(store, config, email, phone, customer_id)
        if customer is None:
            fail("no such customer")
        if not yes and not as_json:
            typer.confirm(f"Erase customer {customer.customer_id} and everything journeysync holds about them?",
                          abort=True)
        from journeysync.aws import client

        sqs = client("sqs")
        try:
            removed = forget_everywhere(
                store, customer,
                syncer=_syncer(stack, config),
                archive_bucket=stack.resources.get("ArchiveBucket"),
                s3=client("s3"),
                sqs=sqs,
                dead_letter_queues=_dead_letter_queues(stack, sqs),
                publish=Publisher(stack.resource("EventBus")).publish,
            )
        except DestinationRefusedError as exc:
            fail(f"{exc}; nothing else was erased — fix it and run forget again")
        summary = {"customer_id": customer.customer_id, "removed": removed}
        if as_json:
            print_json(summary)
            return
        console.print(f"erased {customer.customer_id}:", highlight=False)
        for where, what in removed.items():
            console.print(f"  {where}: {what}", highlight=False)


def _syncer(stack: Any, config: Any) -> Any:
    """The email destinations exactly as crm_to_email builds them (same config, secrets, contact list)."""
    from journeysync.destinations.settings import CrmToEmailSettings, build_syncer
    from journeysync.errors import ConfigError

    settings = CrmToEmailSettings()
    if stack.resources.get("ContactList"):
        settings = settings.model_copy(update={"ses_contact_list": stack.resources["ContactList"]})
    try:
        return build_syncer(settings, config)
    except ConfigError as exc:
        fail(f"email destinations: {exc}")


def _dead_letter_queues(stack: Any, sqs: Any) -> dict[str, str]:
    from journeysync_cli.commands.dlq import queues

    return {name: url for name, (url, _source, _source_url) in queues(stack, sqs).items()}
