"""Engagement end to end on the local stack: campaign sends → SES events (the local emitter) → the hop.

The clock is driven: three weeks of campaigns from three divisions to the same member, each
week's mail played by the emitter as sent that week, opened at the hours the member reads.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from journeysync_local.ses_engagement import Readers, SesEngagementEmitter
from journeysync_local.stack import LocalStack
from journeysync_local.template import repo_root
from journeysync_local.vendor_standin import VendorStandIn

from journeysync.config.loader import load_config
from journeysync.engagement.send import Campaign, SesCampaignSender, send_campaigns
from journeysync.engagement.store import EngagementStore
from journeysync.identity import IdentityKey
from journeysync.models.events import ConsentChanged, CustomerEvent, IdentityKeys
from journeysync.queueing import send_events
from journeysync.segments import SegmentEngine
from journeysync.store.profiles import ProfileStore
from tests.crm_to_email_support import bus_entry, customer, profile_changed

pytestmark = pytest.mark.e2e

UNTIL = datetime.now(UTC) + timedelta(days=200)
CAMPAIGNS = (
    ("museum", "division-museum", "museum"),
    ("cinema", "division-cinema", "cinema"),
    ("development", "division-development", "donors"),
)


def _store_customers(stack: LocalStack, *customers: Any) -> None:
    profiles = ProfileStore(stack.resources["Table"], stack.client("dynamodb"))
    for c in customers:
        profiles.save(c, 0)
        profiles.claim_key(IdentityKey("email", c.identity.primary_email), c.customer_id)
    stack.client("events").put_events(
        Entries=[bus_entry(profile_changed(c), stack.resources["EventBus"]) for c in customers]
    )
    stack.wait_idle(timeout=30)


def _week(stack: LocalStack, emitter: SesEngagementEmitter, at: datetime, tag: str) -> Any:
    config = load_config(stack.config_dir)
    profiles = ProfileStore(stack.resources["Table"], stack.client("dynamodb"))
    sender = SesCampaignSender(
        stack.client("sesv2"),
        stack.resources["MarketingSenderIdentity"],
        stack.resources["EngagementConfigurationSet"],
        stack.resources["ContactList"],
    )
    campaigns = [Campaign(f"{div}-{tag}", seg, div, topic, f"{div} news") for div, seg, topic in CAMPAIGNS]
    report, planned = send_campaigns(
        profiles.iter_customers(), campaigns, SegmentEngine(config.segments),
        EngagementStore(stack.resources["Table"], stack.client("dynamodb")), sender, config.engagement.pressure, at,
    )
    emitter.emit(sent_at=at)
    stack.wait_idle(timeout=30)
    return report, planned


def test_a_member_on_three_division_lists_gets_at_most_the_cap_and_her_opens_move_best_send_hour(
    local_stack: LocalStack,
) -> None:
    ada = customer("eng-ada", "ada@example.org", divisions=("museum", "cinema", "development"), valid_until=UNTIL)
    _store_customers(local_stack, ada)
    readers = Readers(outcomes={"ada@example.org": "click"}, habits={"ada@example.org": (8,)}, zone="Europe/London")
    emitter = SesEngagementEmitter.for_stack(local_stack, readers)
    engagement = EngagementStore(local_stack.resources["Table"], local_stack.client("dynamodb"))
    start = (datetime.now(UTC) - timedelta(days=22)).replace(hour=10, minute=0, second=0, microsecond=0)

    report, planned = _week(local_stack, emitter, start, "w1")
    assert report.sent == 2  # the cap (2 per 7 days) across three divisions
    held = [p for p in planned if not p.decision.send]
    assert [p.decision.want.division for p in held] == ["development"]  # lowest priority waits
    assert "museum, cinema came first" in held[0].decision.reason
    state = engagement.get("eng-ada")
    assert state is not None and state.best_send_hour == 8  # two opens + two clicks at 08:xx London

    # three days later, within the same 7 days: nothing more, whatever division asks
    report, _ = _week(local_stack, emitter, start + timedelta(days=3), "w1b")
    assert report.sent == 0
    state = engagement.get("eng-ada")
    assert state is not None and len(state.sends_within(start + timedelta(days=3), 7)) == 2

    # she changes habit: weeks two and three are read in the evening, and best_send_hour follows
    readers.habits["ada@example.org"] = (19,)
    for week in (1, 2):
        report, _ = _week(local_stack, emitter, start + timedelta(days=7 * week), f"w{week + 1}")
        assert report.sent == 2
    state = engagement.get("eng-ada")
    assert state is not None
    assert state.best_send_hour == 19
    assert state.opens == 6 and state.clicks == 6
    # each SES "Send" event for a reserved send is the same send, not a second one
    assert len(state.sends) == 6


def _mailchimp_pushes(mailchimp: VendorStandIn, email: str) -> list[dict[str, Any]]:
    """What crm_to_email told Mailchimp about `email`, in order (batch upserts)."""
    return [m for call in mailchimp.calls(r"^/3\.0/lists/L1$", method="POST") for m in call.json()["members"]
            if m["email_address"] == email]


def test_a_complaint_suppresses_the_address_everywhere_and_nothing_resubscribes_it(
    start_local_stack: Any, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    shutil.copytree(repo_root() / "infra" / "config", config)
    segments = yaml.safe_load((config / "segments.yaml").read_text())
    segments["destinations"]["mailchimp"] = {"enabled": True, "list_id": "L1"}
    (config / "segments.yaml").write_text(yaml.safe_dump(segments))
    mailchimp = VendorStandIn().start()
    # each function runs in its own worker with the template's environment: the stand-in's URL goes in there
    env = {"JOURNEYSYNC_MAILCHIMP_BASE_URL": f"{mailchimp.url}/3.0", "JOURNEYSYNC_MAILCHIMP_API_KEY": "key-us1"}
    try:
        _complaint_scenario(start_local_stack(config_dir=config, function_env=env), mailchimp)
    finally:
        mailchimp.stop()


def _complaint_scenario(local_stack: LocalStack, mailchimp: VendorStandIn) -> None:
    bob = customer("eng-bob", "bob@example.org", divisions=("museum",), valid_until=UNTIL)
    _store_customers(local_stack, bob)
    assert _mailchimp_pushes(mailchimp, "bob@example.org")[-1]["status_if_new"] == "subscribed"
    contact = local_stack.client("sesv2").get_contact(
        ContactListName=local_stack.resources["ContactList"], EmailAddress="bob@example.org"
    )
    assert contact["UnsubscribeAll"] is False
    emitter = SesEngagementEmitter.for_stack(local_stack, Readers(outcomes={"bob@example.org": "complaint"}))
    _week(local_stack, emitter, datetime.now(UTC) - timedelta(hours=3), "c1")

    profiles = ProfileStore(local_stack.resources["Table"], local_stack.client("dynamodb"))
    after = profiles.get("eng-bob")
    assert after is not None and after.profile.email_consent.status == "complained"
    contact = local_stack.client("sesv2").get_contact(
        ContactListName=local_stack.resources["ContactList"], EmailAddress="bob@example.org"
    )
    assert contact["UnsubscribeAll"] is True
    pushed = _mailchimp_pushes(mailchimp, "bob@example.org")
    assert pushed[-1]["status"] == "unsubscribed"  # Mailchimp too
    pushes_after_complaint = len(pushed)

    # an import that says "subscribed" (not the member's own act) changes nothing
    imported = CustomerEvent.create(
        source="import", vendor_event_id="bob-import", time=datetime.now(UTC),
        data=ConsentChanged(status="subscribed", explicit=False), identity=IdentityKeys(emails=("bob@example.org",)),
    )
    send_events(local_stack.resources["EventsQueue"], [imported], local_stack.client("sqs"))
    local_stack.wait_idle(timeout=30)
    after = profiles.get("eng-bob")
    assert after is not None and after.profile.email_consent.status == "complained"
    contact = local_stack.client("sesv2").get_contact(
        ContactListName=local_stack.resources["ContactList"], EmailAddress="bob@example.org"
    )
    assert contact["UnsubscribeAll"] is True
    assert all(m.get("status") != "subscribed" for m in _mailchimp_pushes(mailchimp, "bob@example.org")[pushes_after_complaint:])
    # and no campaign is planned for him any more
    _, planned = _week(local_stack, emitter, datetime.now(UTC), "c2")
    assert all(p.customer_id != "eng-bob" for p in planned)


def test_the_cli_sends_within_the_cap_and_shows_who_is_held_back_and_why(cli_stack: LocalStack) -> None:
    from typer.testing import CliRunner

    from journeysync_cli.main import app
    from tests.e2e.cli_support import cli

    cy = customer("eng-cy", "cy@example.org", divisions=("museum", "cinema", "development"), valid_until=UNTIL)
    _store_customers(cli_stack, cy)
    campaigns = [f"--campaign={div}-cli,{seg},{div},{topic}" for div, seg, topic in CAMPAIGNS]

    planned = cli("engagement", "send", *campaigns, "--subject", "This week", "--dry-run", "--json")
    assert sorted((p["campaign"], p["send"]) for p in planned) == [
        ("cinema-cli", True), ("development-cli", False), ("museum-cli", True)]
    sent = cli("engagement", "send", *campaigns, "--subject", "This week", "--json")  # handlers run meanwhile
    assert (sent["sent"], sent["held"], sent["held_reasons"]) == (2, 1, {"cap 2/7d: museum, cinema came first": 1})
    assert sent["local_ses_events"]["send"] == 2  # the local SES stand-in played the two messages' events
    cli_stack.wait_idle(timeout=30)

    [member] = cli("segments", "members", "division-development", "--json")
    assert member["pressure_ok"] is False
    assert member["held_back"].startswith("cap reached: 2 of 2 in 7 days (cinema 1, museum 1)")
    shown = cli("engagement", "show", "--email", "CY@example.org", "--json")
    assert shown["sends_7d_by_division"] == {"cinema": 1, "museum": 1}  # the SES "Send" events added none
    report = cli("engagement", "report", "--json")
    assert [o["customer_id"] for o in report["over_cap"]] == ["eng-cy"]

    bad = CliRunner().invoke(app, ["engagement", "send", "--campaign", "x,no-such-segment,museum", "--subject", "s"])
    assert bad.exit_code == 1 and "no segment 'no-such-segment'" in bad.output and "Traceback" not in bad.output
