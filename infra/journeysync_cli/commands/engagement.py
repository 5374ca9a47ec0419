"""`journeysync engagement report|show|send`: when members read, contact pressure, and sending within the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from journeysync_cli.output import connect_or_exit, console, fail, print_json

ConfigOption = Annotated[str | None, typer.Option("--config", help="configuration directory")]
JsonOption = Annotated[bool, typer.Option("--json", help="plain JSON on stdout")]


def _config(config_dir: str | None) -> Any:
    from journeysync.config.loader import load_config
    from journeysync.errors import ConfigError

    try:
        return load_config(config_dir)
    except ConfigError as exc:
        fail(str(exc))


def _campaigns(specs: list[str], cfg: Any, subject: str) -> list[Any]:
    from journeysync.engagement.send import Campaign
    from journeysync.errors import BadInputError

    campaigns = []
    for spec in specs:
        parts = spec.split(",")
        if len(parts) not in (3, 4):
            fail(f"--campaign {spec!r}: give ID,SEGMENT,DIVISION[,TOPIC]")
        if cfg.segments.get(parts[1]) is None:
            fail(f"--campaign {spec!r}: no segment {parts[1]!r} in segments.yaml")
        try:
            campaigns.append(Campaign(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None, subject))
        except BadInputError as exc:
            fail(f"--campaign {spec!r}: {exc.field}: {exc.message}")
    return campaigns


def _print_report(data: Any) -> None:
    from journeysync.analytics.engagement import DAYS

    console.print(f"[bold]{data.members_with_engagement}[/] members with opens or clicks ({data.timezone})",
                  highlight=False)
    for day, name in enumerate(DAYS):
        row = data.hour_of_week[day * 24 : day * 24 + 24]
        console.print(f"  {name} " + " ".join(f"{n:>2}" for n in row), highlight=False)
    console.print(f"best send hours: {data.best_send_hours or 'not enough engagement yet'}", highlight=False)
    console.print(f"division lists vs sends in the last 7 days (cap {data.cap}/{data.window_days}d):", highlight=False)
    for r in data.overlap_vs_sends:
        console.print(f"  {r.lists:<28} {r.members:>5} members  {r.sends_7d_mean:>5} mean  {r.sends_7d_max:>3} max"
                      f"  {r.over_cap:>4} held back", highlight=False)
    console.print(f"would have received more than the cap: {len(data.over_cap)}", highlight=False)


def _play_locally(stack: Any, cfg: Any, message_ids: list[str], now: datetime) -> dict[str, int]:
    """moto publishes no SES events: the local stand-in plays them for exactly these messages.

    Opens and clicks land at each reader's next habitual hours, so some are later than now.
    """
    from journeysync_local.ses_engagement import Readers, SesEngagementEmitter

    emitter = SesEngagementEmitter.for_state(stack, Readers(zone=cfg.engagement.timezone))
    return emitter.emit(sent_at=now, until=now + timedelta(days=3), only=set(message_ids)).events


def _dry_run(customers: list[Any], campaigns: list[Any], engine: Any, store: Any, pressure: Any, now: datetime,
             as_json: bool) -> None:
    """What `send` would do, changing nothing: each member's decision per campaign, with the reason."""
    from journeysync.engagement.pressure import send_time_context
    from journeysync.engagement.send import plan

    states = store.get_many([c.customer_id for c in customers])
    members = [(c, engine.evaluate(c, now, send_time_context(states.get(c.customer_id), pressure, now)))
               for c in customers]
    rows = plan(members, campaigns, states, pressure, now)
    if as_json:
        print_json([{"customer_id": r.customer_id, "campaign": r.decision.want.campaign, "send": r.decision.send,
                     "reason": r.decision.reason} for r in rows])
        return
    sending = sum(1 for r in rows if r.decision.send)
    console.print(f"{sending} to send, {len(rows) - sending} held back", highlight=False)


def _print_sent(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    console.print(f"sent {result['sent']}, held back {result['held']} {result['held_reasons'] or ''}", highlight=False)
    if "local_ses_events" in result:
        console.print(f"local SES stand-in played {result['local_ses_events']}", highlight=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Email engagement: hour of week, contact pressure, sending within the cap.",
                        no_args_is_help=True)
    app.add_typer(group, name="engagement")

    @group.command("report")
    def report(config: ConfigOption = None, as_json: JsonOption = False) -> None:
        """Hour-of-week engagement (all, per segment), division overlap vs actual sends, members over the cap."""
        from journeysync.analytics.engagement import build_engagement_report
        from journeysync.engagement.store import EngagementStore
        from journeysync.store.profiles import ProfileStore

        stack = connect_or_exit()
        table = stack.resource("Table")
        data = build_engagement_report(ProfileStore(table), EngagementStore(table), _config(config), datetime.now(UTC))
        if as_json:
            print_json(data.model_dump(mode="json"))
            return
        _print_report(data)

    @group.command("show")
    def show(email: Annotated[str, typer.Option("--email", help="the member's address")], as_json: JsonOption = False
             ) -> None:
        """One member's engagement: sends in the last 7 / 30 days by division, last open / click, best send hour."""
        from journeysync.engagement.store import EngagementStore
        from journeysync.identity import IdentityKey, normalise_email
        from journeysync.store.profiles import ProfileStore

        stack = connect_or_exit()
        table = stack.resource("Table")
        try:
            key = IdentityKey("email", normalise_email(email))
        except ValueError:
            fail(f"--email {email!r} is not an email address")
        customer_id = ProfileStore(table).owner_of(key)
        if customer_id is None:
            fail(f"no customer has {key.value}; check the address with `journeysync profile get --email`")
        state = EngagementStore(table).get(customer_id)
        summary: dict[str, Any] = {"customer_id": customer_id, **(state.summary(datetime.now(UTC)) if state else {})}
        if as_json:
            print_json(summary)
            return
        for k, v in summary.items():
            console.print(f"  {k:<24} {v}", highlight=False)

    @group.command("send")
    def send(
        campaign: Annotated[list[str], typer.Option("--campaign", help="ID,SEGMENT,DIVISION[,TOPIC] (repeatable)")],
        subject: Annotated[str, typer.Option("--subject", help="the email's subject")],
        config: ConfigOption = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="plan only: who would get what, who is held back")] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Mail campaigns to their segments through SES, at most the cap per member across divisions."""
        from journeysync.aws import client
        from journeysync.engagement.send import SesCampaignSender, send_campaigns
        from journeysync.engagement.store import EngagementStore
        from journeysync.segments import SegmentEngine
        from journeysync.store.profiles import ProfileStore

        stack = connect_or_exit()
        cfg = _config(config)
        campaigns = _campaigns(campaign, cfg, subject)
        table, now = stack.resource("Table"), datetime.now(UTC)
        engine, store = SegmentEngine(cfg.segments), EngagementStore(table)
        customers = ProfileStore(table).iter_customers()
        if dry_run:
            _dry_run(list(customers), campaigns, engine, store, cfg.engagement.pressure, now, as_json)
            return
        sender = SesCampaignSender(client("sesv2"), stack.resource("MarketingSenderIdentity"),
                                   stack.resource("EngagementConfigurationSet"), stack.resource("ContactList"))
        report, _ = send_campaigns(customers, campaigns, engine, store, sender, cfg.engagement.pressure, now)
        result: dict[str, Any] = {"sent": report.sent, "held": report.held, "held_reasons": report.held_reasons}
        if stack.mode == "local" and stack.moto_url and report.message_ids:
            result["local_ses_events"] = _play_locally(stack, cfg, report.message_ids, now)
        _print_sent(result, as_json)
