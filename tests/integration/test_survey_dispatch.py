"""Survey planning and sending against the moto server (DynamoDB, SES v1 templates, SES v2 contact lists);
SES failures moto cannot produce through botocore's Stubber."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from journeysync.config.loader import load_config
from journeysync.models.changes import Cause, ProfileChanged
from journeysync.models.customer import Customer, EmailConsent, Identity, Profile
from journeysync.surveys.email import SurveyMailer
from journeysync.surveys.plan import plan_change
from journeysync.surveys.send import SendDeps, send_due
from journeysync.surveys.store import SurveyStore
from tests.conftest import AwsResources

pytestmark = pytest.mark.integration

CONFIG = load_config()
# a weekday noon in London: outside the quiet hours
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SENDER = "surveys@riverside-museum.example"
TEMPLATE = "survey-it"
LIST = "members-it"


def _change(customer_id: str, event_id: str, at: datetime, *, kind: str = "ticket.checked_in",
            consent: str = "subscribed") -> ProfileChanged:
    after = {"customer_id": customer_id, "profile": {"email_consent": {"status": consent}}}
    return ProfileChanged(customer_id=customer_id, version=2, at=at, changed=["profile.bookings"],
                          causes=[Cause(id=event_id, type=kind, source="tills")], before={}, after=after)


def _customer(customer_id: str, email: str, consent: str = "subscribed") -> Customer:
    return Customer(customer_id=customer_id, identity=Identity(emails=[email]),
                    profile=Profile(given_name="Ada Lovelace", email_consent=EmailConsent(status=consent)))  # type: ignore[arg-type]


@pytest.fixture
def ses(aws: AwsResources) -> Any:
    client = aws.client("ses")
    client.verify_email_identity(EmailAddress=SENDER)
    client.create_template(Template={"TemplateName": TEMPLATE, "SubjectPart": "{{organisation}}",
                                     "TextPart": "{{question}} {{#each scores}}{{score}}={{url}} {{/each}}",
                                     "HtmlPart": "<p>{{question}}</p>"})
    aws.client("sesv2").create_contact_list(ContactListName=LIST, Topics=[
        {"TopicName": "surveys", "DisplayName": "Surveys", "DefaultSubscriptionStatus": "OPT_IN"}])
    return client


def _deps(aws: AwsResources, customers: dict[str, Customer], *, mailer: SurveyMailer | None = None,
          alerts: dict[str, list[str]] | None = None) -> SendDeps:
    return SendDeps(
        config=CONFIG.surveys, routing=CONFIG.routing, store=SurveyStore(aws.table, aws.client("dynamodb")),
        mailer=mailer or SurveyMailer(SENDER, TEMPLATE, aws.client("ses"), aws.client("sesv2"),
                                      contact_list=LIST, topic="surveys"),
        resolve_customer=customers.get, alert_statuses=lambda cid: (alerts or {}).get(cid, []),
        secret="it-key", base_url="https://api.example",
    )


def _sent(aws: AwsResources) -> list[Any]:
    return list(SurveyStore(aws.table, aws.client("dynamodb")).by_status("sent", newest_first=True))


def test_a_redelivered_touchpoint_plans_once_and_sends_once_after_its_delay(aws: AwsResources, ses: Any) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    assert plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON)).planned == 1
    assert plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON)).repeated == 1
    deps = _deps(aws, {"c1": _customer("c1", "ada@example.org")})
    assert send_due(deps, NOON + timedelta(minutes=60)).sent == 0  # the visit's delay is 120 minutes
    report = send_due(deps, NOON + timedelta(minutes=121))
    assert report.sent == 1
    assert send_due(deps, NOON + timedelta(minutes=130)).sent == 0
    [sent] = _sent(aws)
    assert (sent.email, sent.touchpoint, sent.scale) == ("ada@example.org", "visit", "nps")
    assert sent.sent_at == NOON + timedelta(minutes=121)


def test_two_surveys_due_together_for_one_member_send_one_and_the_cap_holds_for_n_days(
    aws: AwsResources, ses: Any
) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON))
    plan_change(CONFIG.surveys, store, _change("c1", "e2", NOON + timedelta(minutes=1)))
    deps = _deps(aws, {"c1": _customer("c1", "ada@example.org")})
    report = send_due(deps, NOON + timedelta(hours=3))
    assert (report.sent, report.skipped) == (1, {"cap": 1})
    later = NOON + timedelta(days=CONFIG.surveys.min_days_between - 1)
    assert plan_change(CONFIG.surveys, store, _change("c1", "e3", later)).skipped == 1
    after_cap = NOON + timedelta(days=CONFIG.surveys.min_days_between, hours=4)  # the first went at +3 h
    assert plan_change(CONFIG.surveys, store, _change("c1", "e4", after_cap)).planned == 1
    assert send_due(deps, after_cap + timedelta(hours=3)).sent == 1


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("unsubscribed", "unsubscribed"),
        ("topic_opt_out", "opted_out"),
        ("unsubscribe_all", "opted_out"),
        ("open_alert", "open_alert"),
        ("gone", "gone"),
    ],
)
def test_the_rules_at_send_time_skip_the_survey_with_the_reason(
    aws: AwsResources, ses: Any, setup: str, reason: str
) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON))
    customer = _customer("c1", "ada@example.org", "unsubscribed" if setup == "unsubscribed" else "subscribed")
    if setup in ("topic_opt_out", "unsubscribe_all"):
        aws.client("sesv2").create_contact(
            ContactListName=LIST, EmailAddress="ada@example.org", UnsubscribeAll=setup == "unsubscribe_all",
            TopicPreferences=[{"TopicName": "surveys", "SubscriptionStatus": "OPT_OUT"}] if setup == "topic_opt_out" else [],
        )
    deps = _deps(aws, {} if setup == "gone" else {"c1": customer},
                 alerts={"c1": ["claimed"]} if setup == "open_alert" else None)
    report = send_due(deps, NOON + timedelta(hours=3))
    assert (report.sent, report.skipped) == (0, {reason: 1})
    assert _sent(aws) == []


def test_quiet_hours_leave_surveys_pending_and_a_late_one_is_dropped(aws: AwsResources, ses: Any) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    evening = datetime(2026, 12, 2, 19, 30, tzinfo=UTC)  # due 21:30 London: quiet
    plan_change(CONFIG.surveys, store, _change("c1", "e1", evening))
    deps = _deps(aws, {"c1": _customer("c1", "ada@example.org")})
    assert send_due(deps, evening + timedelta(hours=3)).deferred == 1
    assert send_due(deps, datetime(2026, 12, 3, 9, 5, tzinfo=UTC)).sent == 1  # next morning
    plan_change(CONFIG.surveys, store, _change("c2", "e2", NOON))
    deps = _deps(aws, {"c2": _customer("c2", "bo@example.org")})
    late = NOON + timedelta(hours=2 + CONFIG.surveys.max_lateness_hours + 1)
    assert send_due(deps, late).skipped == {"late": 1}


def test_a_throttled_send_puts_the_survey_and_the_cap_back_and_the_next_sweep_sends_it(
    aws: AwsResources, ses: Any
) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON))
    customers = {"c1": _customer("c1", "ada@example.org")}
    failing = aws.client("ses")
    with Stubber(failing) as stub:
        stub.add_client_error("send_templated_email", "Throttling", http_status_code=400)
        report = send_due(_deps(aws, customers, mailer=SurveyMailer(SENDER, TEMPLATE, failing, None)),
                          NOON + timedelta(hours=3))
    assert (report.sent, report.failed) == (0, 1)
    assert store.last_sent_at("c1") in (None, "")
    assert send_due(_deps(aws, customers), NOON + timedelta(hours=3, minutes=5)).sent == 1


def test_a_recipient_ses_refuses_is_skipped_not_retried_forever(aws: AwsResources, ses: Any) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON))
    failing = aws.client("ses")
    with Stubber(failing) as stub:
        stub.add_client_error("send_templated_email", "MessageRejected", http_status_code=400)
        report = send_due(_deps(aws, {"c1": _customer("c1", "ada@example.org")},
                                mailer=SurveyMailer(SENDER, TEMPLATE, failing, None)), NOON + timedelta(hours=3))
    assert report.skipped == {"rejected": 1}
    assert list(store.by_status("pending")) == []


def test_forget_erases_a_persons_surveys(aws: AwsResources, ses: Any) -> None:
    store = SurveyStore(aws.table, aws.client("dynamodb"))
    plan_change(CONFIG.surveys, store, _change("c1", "e1", NOON))
    send_due(_deps(aws, {"c1": _customer("c1", "ada@example.org")}), NOON + timedelta(hours=3))
    assert store.delete_customer("c1") == 2  # the survey and the cap
    assert _sent(aws) == [] and store.last_sent_at("c1") is None
