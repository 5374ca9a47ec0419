"""The staff page in headless Chromium: the link in a team's work-item email opens the team's open items;
a GET changes nothing, the Claim button (a POST) makes the item yours; a forged link shows nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from journeysync_local.stack import LocalStack

from journeysync.work.store import WorkItemStore
from tests.browser import Browser, chromium_path
from tests.e2e.cli_support import post_cloudevent
from tests.survey_support import outbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_path()
    if binary is None:  # never a skip: CI must run this; `make test` installs Debian's chromium
        pytest.fail("headless Chromium not found: apt-get install -y chromium (or set JOURNEYSYNC_CHROMIUM)")
    b = Browser(binary)
    yield b
    b.close()


@pytest.mark.timeout(180)
def test_the_team_page_lists_open_items_and_claims_one_with_a_post(local_stack: LocalStack, browser: Browser) -> None:
    email = f"ola-{uuid.uuid4().hex[:8]}@example.com"
    post_cloudevent(local_stack, f"till-88-{email.split('@')[0]}", "membership.purchased", email, {"tier": "individual", "term_months": 12})
    message = next(m for m in outbox(local_stack, email)
                   if m["destinations"]["ToAddresses"] == ["membership-lead@riverside-museum.example"])
    [link] = re.findall(r"href='([^']+/work/[^']+)'", message["body"])
    store = WorkItemStore(local_stack.resources["Table"], local_stack.client("dynamodb"))

    browser.open(link)
    assert browser.js("document.querySelector('h1').textContent") == "Open work for the membership team"
    assert browser.js("document.documentElement.lang") == "en"
    rows = browser.js("Array.from(document.querySelectorAll('tbody tr')).map(r => r.textContent)")
    assert any("membership: joined" in r and email in r and "open" in r for r in rows)
    [item] = [i for i in store.by_status("open") if i.email == email]  # opening the page changed nothing

    browser.submit(f"document.querySelector(\"tr[data-item='{item.id}'] button[value=claim]\").click()")
    assert "claimed - it is yours" in browser.js("document.querySelector('[role=status]').textContent")
    [claimed] = [i for i in store.by_status("claimed") if i.id == item.id]
    assert claimed.claimed_by == "membership-lead@riverside-museum.example"

    browser.open(link.replace("/work/", "/work/x"))
    assert browser.js("document.querySelector('h1').textContent") == "This link cannot be used"
