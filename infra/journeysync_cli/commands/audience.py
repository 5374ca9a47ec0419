"""`journeysync audience list`: what an email destination actually holds (read from it, not from our state)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="configuration directory (default: $JOURNEYSYNC_CONFIG_DIR or ./infra/config)"),
]


class DestinationName(StrEnum):
    ses = "ses"
    mailchimp = "mailchimp"


def mailchimp_view(member: dict[str, Any], tags: list[str]) -> dict[str, Any]:
    """A Mailchimp member in the SES shape: every managed tag as a topic (OPT_IN = tag active), plus status and tags."""
    held = set(member.get("tags") or [])
    topics = {tag: "OPT_IN" if tag in held else "OPT_OUT" for tag in tags}
    topics.update({tag: "OPT_IN" for tag in held if tag not in topics})  # tags someone else added
    return {
        "email": member["email"],
        "unsubscribe_all": bool(member.get("unsubscribe_all")),
        "topics": dict(sorted(topics.items())),
        "status": member.get("status"),
        "tags": sorted(held),
    }


def read_contacts(destination: str, config_dir: str | None = None) -> list[dict[str, Any]]:
    """The destination's contacts as `[{"email", "unsubscribe_all", "topics": {name: OPT_IN|OPT_OUT}}]`."""
    stack = connect_or_exit()
    from journeysync.config.loader import load_config
    from journeysync.destinations.settings import CrmToEmailSettings, build_syncer
    from journeysync.errors import ConfigError

    try:
        config = load_config(config_dir)
        settings = CrmToEmailSettings()
        if "ContactList" in stack.resources:  # the stack's own list (AWS: from CloudFormation)
            settings = settings.model_copy(update={"ses_contact_list": stack.resources["ContactList"]})
        syncer = build_syncer(settings, config)
    except ConfigError as exc:
        fail(str(exc))
    found = {d.name: d for d in syncer.destinations}
    if destination not in found:
        fail(f"{destination} is not enabled in {config.directory}/segments.yaml (enabled: {', '.join(found) or 'none'})")
    if destination == "ses":
        contacts: list[dict[str, Any]] = found["ses"].list_contacts()
        return contacts
    tags = syncer.engine.all_audiences("mailchimp")
    return [mailchimp_view(m, tags) for m in found["mailchimp"].list_members()]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Look at the email destinations' actual audiences.", no_args_is_help=True)
    app.add_typer(group, name="audience")

    @group.command("list")
    def list_(
        destination: Annotated[DestinationName, typer.Option("--destination", help="which platform to read")] = (
            DestinationName.ses
        ),
        config: ConfigOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False,
    ) -> None:
        """Every contact the destination holds, with its unsubscribe flag and topics (Mailchimp: tags, status)."""
        from botocore.exceptions import BotoCoreError, ClientError

        from journeysync.errors import JourneysyncError

        try:
            contacts = read_contacts(destination.value, config)
        except (ClientError, BotoCoreError, JourneysyncError) as exc:
            fail(f"could not read {destination.value}: {exc}")
        if as_json:
            print_json(contacts)
            return
        console.print(f"[bold]{len(contacts)}[/] contact(s) at {destination.value}", highlight=False)
        for c in contacts:
            on = [t for t, s in c["topics"].items() if s == "OPT_IN"]
            flag = "  [red]unsubscribed from all[/]" if c["unsubscribe_all"] else ""
            status = f"  ({c['status']})" if c.get("status") else ""
            console.print(f"  {c['email']}{status}{flag}: {', '.join(on) or '-'}", highlight=False)
