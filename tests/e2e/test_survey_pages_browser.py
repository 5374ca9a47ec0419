"""The survey pages in headless Chromium (Debian's `chromium`; `make test` installs it where missing):
open a one-click rating link, see the thank-you page, submit a comment, see the alert updated."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from journeysync_local.stack import LocalStack

from journeysync.alerts.links import rating_links
from journeysync.alerts.store import AlertStore
from journeysync.config.loader import load_config
from journeysync.models.events import CustomerEvent, CustomerUpdated, IdentityKeys
from journeysync.profile.view import find
from journeysync.queueing import send_events
from journeysync.store.profiles import ProfileStore
from tests.browser import Browser, chromium_path
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


def test_a_rating_link_records_the_score_and_the_comment_form_updates_the_alert(
    local_stack: LocalStack, browser: Browser
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.org"
    customer_id = _customer(local_stack, email)
    urls = rating_links(local_stack.vendor_secrets["survey"], local_stack.url, customer_id=customer_id,
                        touchpoint="visit", config=load_config().routing, now=datetime.now(UTC))
    assert sorted(urls) == list(range(11))

    browser.open(urls[2])
    assert browser.js("document.querySelector('h1').textContent") == "Thank you for your rating"
    assert browser.js("document.documentElement.lang") == "en"
    assert browser.js("document.querySelector('label[for=comment]') !== null && !!document.getElementById('comment')")
    local_stack.wait_idle(timeout=20)
    store = AlertStore(local_stack.resources["Table"], local_stack.client("dynamodb"))
    [alert] = store.customer_alerts(customer_id)
    assert (alert.score, alert.team, alert.comment) == (2, "visitor-experience", None)
    assert len(outbox(local_stack, email)) == 1

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
