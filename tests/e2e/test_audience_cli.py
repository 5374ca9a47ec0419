"""`journeysync audience list` reads the destination itself; `segments list/members` evaluate the profile store."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from journeysync_local.stack import LocalStack
from journeysync_local.vendor_standin import Recorded, VendorStandIn

from journeysync.store.profiles import ProfileStore
from tests.crm_to_email_support import bus_entry, customer, profile_changed
from tests.e2e.cli_support import cli

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
UNTIL = datetime.now(UTC) + timedelta(days=200)


def _sync(stack: LocalStack, *customers: Any) -> None:
    """Store the profiles (the CRM) and put their ProfileChanged through the email hop."""
    ddb = stack.client("dynamodb")
    for c in customers:
        ProfileStore(stack.resources["Table"], client=ddb).restore(c)
    stack.client("events").put_events(
        Entries=[bus_entry(profile_changed(c), stack.resources["EventBus"]) for c in customers]
    )
    stack.wait_idle(timeout=20)


def test_audience_list_shows_the_ses_contacts_as_they_are_and_segments_count_the_profile_store(
    cli_stack: LocalStack,
) -> None:
    grace = customer("cli-1", "grace@example.org", divisions=("museum", "cinema"), valid_until=UNTIL)
    alan = customer("cli-2", "alan@example.org", consent="unsubscribed", valid_until=UNTIL)
    _sync(cli_stack, grace, alan)

    contacts = cli("audience", "list", "--destination", "ses", "--json")
    assert [c["email"] for c in sorted(contacts, key=lambda c: c["email"])] == ["alan@example.org", "grace@example.org"]
    by_email = {c["email"]: c for c in contacts}
    for c in contacts:
        assert set(c) == {"email", "unsubscribe_all", "topics"}
        assert set(c["topics"].values()) <= {"OPT_IN", "OPT_OUT"}
    assert by_email["grace@example.org"]["unsubscribe_all"] is False
    assert by_email["grace@example.org"]["topics"]["members"] == "OPT_IN"
    assert by_email["grace@example.org"]["topics"]["cinema"] == "OPT_IN"
    assert by_email["grace@example.org"]["topics"]["vip"] == "OPT_OUT"
    assert by_email["alan@example.org"]["unsubscribe_all"] is True
    assert set(by_email["alan@example.org"]["topics"].values()) == {"OPT_OUT"}

    # a contact unsubscribing at SES itself shows up: the command reads the destination, not our sync state
    cli_stack.client("sesv2").update_contact(
        ContactListName=cli_stack.resources["ContactList"], EmailAddress="grace@example.org", UnsubscribeAll=True
    )
    [after] = [c for c in cli("audience", "list", "--json") if c["email"] == "grace@example.org"]
    assert after["unsubscribe_all"] is True
    assert "grace@example.org" in cli("audience", "list")

    listed = cli("segments", "list", "--json")
    counts = {s["name"]: s["members"] for s in listed["segments"]}
    assert listed["customers"] == 2
    assert counts["active-members"] == 2 and counts["division-cinema"] == 1 and counts["promoters"] == 0
    assert listed["overlap"] == {"customers_on_several": 1, "division-cinema+division-museum": 1}
    assert next(s for s in listed["segments"] if s["name"] == "division-cinema")["ses_topic"] == "cinema"

    members = cli("segments", "members", "division-cinema", "--json")
    assert [(m["customer_id"], m["email"]) for m in members] == [("cli-1", "grace@example.org")]
    assert "alan@example.org" in cli("segments", "members", "active-members")

    from typer.testing import CliRunner

    from journeysync_cli.main import app

    unknown = CliRunner().invoke(app, ["segments", "members", "no-such-segment"])
    assert unknown.exit_code == 1 and "active-members" in unknown.output


def test_audience_list_reads_mailchimp_members_in_the_same_shape(
    cli_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "infra" / "config", config)
    segments = yaml.safe_load((config / "segments.yaml").read_text())
    segments["destinations"]["mailchimp"] = {"enabled": True, "list_id": "L1"}
    (config / "segments.yaml").write_text(yaml.safe_dump(segments))
    standin = VendorStandIn().start()
    try:
        members = [
            {"email_address": "ada@example.org", "status": "subscribed", "tags": [{"id": 1, "name": "Member"}]},
            {"email_address": "bob@example.org", "status": "unsubscribed", "tags": []},
        ]

        def answer(req: Recorded) -> tuple[int, dict[str, str], Any]:
            offset = int(req.query.get("offset", ["0"])[0])
            return 200, {}, {"members": members[offset : offset + 1], "total_items": len(members)}

        standin.route("GET", r"^/3\.0/lists/L1/members$", answer)
        monkeypatch.setenv("JOURNEYSYNC_MAILCHIMP_BASE_URL", f"{standin.url}/3.0")
        monkeypatch.setenv("JOURNEYSYNC_MAILCHIMP_API_KEY", "key-us1")
        got = cli("audience", "list", "--destination", "mailchimp", "--config", str(config), "--json")
    finally:
        standin.stop()
    ada, bob = got
    assert set(ada) >= {"email", "unsubscribe_all", "topics"}
    assert ada["email"] == "ada@example.org" and ada["status"] == "subscribed" and ada["unsubscribe_all"] is False
    assert ada["topics"]["Member"] == "OPT_IN" and ada["topics"]["VIP"] == "OPT_OUT" and ada["tags"] == ["Member"]
    assert bob["unsubscribe_all"] is True and set(bob["topics"].values()) == {"OPT_OUT"}
