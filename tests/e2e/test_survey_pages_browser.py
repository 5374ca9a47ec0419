"""The survey pages in headless Chromium (Debian's `chromium`; `make test` installs it where missing):
a mail scanner fetches every link first (nothing happens), then the customer opens a rating link, taps
the one button, sees the thank-you page, submits a comment, and the alert is updated."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from journeysync_local.stack import LocalStack

from journeysync.alerts.links import rating_links
from journeysync.alerts.store import AlertStore
from journeysync.config.loader import load_config
from journeysync.models.events import CustomerEvent, CustomerUpdated, IdentityKeys
from journeysync.profile.view import find
from journeysync.queueing import send_events
from journeysync.store.profiles import ProfileStore
from tests.browser import Browser, chromium_path
from tests.survey_support import links_in, outbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_path()
    if binary is None:  # never a skip: CI must run this; `make test` installs Debian's chromium
        pytest.fail("headless Chromium not found: apt-get install -y chromium (or set JOURNEYSYNC_CHROMIUM)")
    b = Browser(binary)
    yield b
    b.close()


def _customer(stack: LocalStack, email: str) -> str:
    event = CustomerEvent.create(
        source="cloudevents", vendor_event_id=uuid.uuid4().hex, time=datetime.now(UTC),
        data=CustomerUpdated(given_name="Ada", family_name="Byron"), identity=IdentityKeys(emails=(email,)),
    )
    send_events(stack.resources["EventsQueue"], [event], stack.client("sqs"))
    stack.wait_idle(timeout=20)
    found = find(ProfileStore(stack.resources["Table"], stack.client("dynamodb")), email=email)
    assert found is not None
    return found.customer_id


def test_after_a_scanner_prefetch_the_customers_tap_records_one_rating_and_the_comment_updates_the_alert(
    local_stack: LocalStack, browser: Browser
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.org"
    customer_id = _customer(local_stack, email)
    urls = rating_links(local_stack.vendor_secrets["survey"], local_stack.url, customer_id=customer_id,
                        touchpoint="visit", config=load_config().routing, now=datetime.now(UTC))
    assert sorted(urls) == list(range(11))
    store = AlertStore(local_stack.resources["Table"], local_stack.client("dynamodb"))

    # a link-scanning mail gateway fetches all eleven links, twice, fast: every one is a confirm page
    for _ in range(2):
        for url in urls.values():
            scanned = requests.get(url, timeout=10)
            assert scanned.status_code == 200 and "<form method='post'" in scanned.text
    local_stack.wait_idle(timeout=20)
    assert store.customer_alerts(customer_id) == []
    assert outbox(local_stack, email) == []

    browser.open(urls[2])
    assert browser.js("document.querySelector('h1').textContent") == "Your rating: 2 out of 10"
    browser.submit("document.querySelector('button[type=submit]').click()")
    assert browser.js("document.querySelector('h1').textContent") == "Thank you for your rating"
    assert browser.js("document.documentElement.lang") == "en"
    assert browser.js("document.querySelector('label[for=comment]') !== null && !!document.getElementById('comment')")
    local_stack.wait_idle(timeout=20)
    [alert] = store.customer_alerts(customer_id)
    assert (alert.score, alert.team, alert.comment) == (2, "visitor-experience", None)
    [message] = outbox(local_stack, email)
    profile = ProfileStore(local_stack.resources["Table"], local_stack.client("dynamodb")).resolve(customer_id)
    assert profile is not None and [r.score for r in profile.profile.ratings] == [2]

    # the scanner also fetches the staff email's claim and resolve links: the alert stays open
    for _ in range(3):
        for link in links_in(message).values():
            shown = requests.get(link, timeout=10)
            assert shown.status_code == 200 and "<form method='post'" in shown.text
    assert store.get(customer_id, alert.id).status == "open"  # type: ignore[union-attr]

    browser.submit(
        "document.getElementById('comment').value = 'The café was closed at noon';"
        "document.querySelector('button[type=submit]').click()"
    )
    assert browser.js("document.querySelector('h1').textContent") == "Thank you for your comment"
    local_stack.wait_idle(timeout=20)
    [alert] = store.customer_alerts(customer_id)
    assert alert.comment == "The café was closed at noon"
    assert alert.revision == 2

    # a forged token and an off-scale score, as a person would see them
    browser.open(urls[2].replace("/survey/", "/survey/x").replace("?score=2", "?score=3"))
    assert browser.js("document.querySelector('h1').textContent") == "This link cannot be used"
    browser.open(urls[2].replace("?score=2", "?score=11"))
    assert browser.js("document.querySelector('h1').textContent") == "That score is not on the scale"
