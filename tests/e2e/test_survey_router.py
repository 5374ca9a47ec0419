"""survey_router end to end on the local stack: signed Delighted webhook → ingest → profile → ProfileChanged →
rule → queue → router → alert stored → SES email (moto outbox) with context and claim link → escalation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from journeysync_local.stack import LocalStack

from journeysync.alerts.model import Alert
from journeysync.alerts.store import AlertStore
from tests.survey_support import delighted_body, links_in, outbox, post_delighted

pytestmark = pytest.mark.e2e

MEMBERSHIP_TEAM = {"membership@riverside-museum.example", "membership-lead@riverside-museum.example"}


def _alerts(stack: LocalStack) -> list[Alert]:
    store = AlertStore(stack.resources["Table"], stack.client("dynamodb"))
    return [a for status in ("open", "claimed", "resolved", "escalated") for a in store.by_status(status)]


def test_a_delighted_detractor_emails_the_owning_team_once_with_context_and_a_claim_link_that_works_once(
    local_stack: LocalStack,
) -> None:
    email = f"hana-{uuid.uuid4().hex[:8]}@example.com"
    body = delighted_body("survey-response-created", email, "r-5435")
    assert post_delighted(local_stack, body).status_code in (200, 202)
    local_stack.wait_idle(timeout=30)

    [message] = outbox(local_stack, email)
    assert message["destinations"]["ToAddresses"][0] in MEMBERSHIP_TEAM  # membership-desk → membership team
    assert "[membership]" in message["subject"] and "3/10" in message["subject"]
    for context in ("Score", "3 on nps (detractor)", "Membership", "Previous ratings", "Journey stage", "SLA due"):
        assert context in message["body"]

    # the same delivery again (Delighted retries): still one alert, still one email
    assert post_delighted(local_stack, body).status_code in (200, 202)
    local_stack.wait_idle(timeout=30)
    assert len(_alerts(local_stack)) == 1
    assert len(outbox(local_stack, email)) == 1

    # then the comment (survey_response.updated, same response id) updates the same alert
    updated = delighted_body("survey-response-updated", email, "r-5435", comment="Queue at the desk was far too long")
    assert post_delighted(local_stack, updated).status_code in (200, 202)
    local_stack.wait_idle(timeout=30)
    [alert] = _alerts(local_stack)
    assert alert.comment == "Queue at the desk was far too long"
    assert alert.revision == 2

    claim = links_in(message)["claim"]
    shown = requests.get(claim, timeout=10)  # a GET (a mail scanner, or the click) only shows the button
    assert shown.status_code == 200 and "Claim this alert" in shown.text and "<form method='post'" in shown.text
    first = requests.post(claim, timeout=10)
    assert first.status_code == 200 and "Alert claimed" in first.text
    again = requests.post(claim, timeout=10)
    assert again.status_code == 409 and "already claimed" in again.text
    [alert] = _alerts(local_stack)
    assert alert.status == "claimed" and alert.claimed_by in MEMBERSHIP_TEAM


def test_an_unclaimed_alert_past_its_sla_is_escalated_to_the_team_contact(local_stack: LocalStack) -> None:
    email = f"ito-{uuid.uuid4().hex[:8]}@example.com"
    assert post_delighted(local_stack, delighted_body("survey-response-created", email, "r-77", score=1)).ok
    local_stack.wait_idle(timeout=30)
    [alert] = _alerts(local_stack)
    store = AlertStore(local_stack.resources["Table"], local_stack.client("dynamodb"))

    def overdue(a: Alert) -> Alert:
        a.sla_due_at = datetime.now(UTC) - timedelta(minutes=1)
        return a

    store.update(alert.customer_id, alert.id, overdue)
    [result] = local_stack.fire_schedule("AlertEscalatorFunction")
    assert result == {"escalated": 1, "notified": 1, "failed": 0}
    escalations = [m for m in outbox(local_stack, email) if "ESCALATED" in m["subject"]]
    assert [m["destinations"]["ToAddresses"] for m in escalations] == [["director-of-development@riverside-museum.example"]]
    [again] = local_stack.fire_schedule("AlertEscalatorFunction")
    assert again == {"escalated": 0, "notified": 0, "failed": 0}
    # the escalation contact's own claim link works
    claim = links_in(escalations[0])["claim"]
    assert requests.post(claim, timeout=10).status_code == 200
    [alert] = _alerts(local_stack)
    assert alert.status == "claimed" and alert.claimed_by == "director-of-development@riverside-museum.example"
