"""crm_to_email's handlers with real boto3 against the moto server: SES contact list, state in the table, DLQ."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from journeysync.store.profiles import ProfileStore
from tests.conftest import AwsResources
from tests.crm_to_email_support import customer, profile_changed, sqs_event
from tests.lambda_context import lambda_context

pytestmark = pytest.mark.integration

CONTEXT = lambda_context("crm-to-email")


@pytest.fixture
def hop(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from journeysync.config import load_config
    from journeysync.destinations import wiring
    from journeysync.segments import SegmentEngine

    ses = aws.client("sesv2")
    topics = SegmentEngine(load_config("infra/config").segments).all_audiences("ses")
    ses.create_contact_list(
        ContactListName="members-it",
        Topics=[{"TopicName": t, "DisplayName": t, "DefaultSubscriptionStatus": "OPT_OUT"} for t in topics],
    )
    dlq = aws.client("sqs").create_queue(QueueName="crm-dlq-it")["QueueUrl"]
    monkeypatch.setenv("JOURNEYSYNC_SES_CONTACT_LIST", "members-it")
    monkeypatch.setenv("JOURNEYSYNC_CRM_TO_EMAIL_DLQ_URL", dlq)
    wiring.settings.cache_clear()
    wiring.syncer.cache_clear()
    yield {"ses": ses, "dlq": dlq, "table": aws.table, "ddb": aws.client("dynamodb"), "sqs": aws.client("sqs")}
    wiring.settings.cache_clear()
    wiring.syncer.cache_clear()


def _topics(ses: Any, email: str) -> tuple[dict[str, str], bool]:
    contact = ses.get_contact(ContactListName="members-it", EmailAddress=email)
    return {p["TopicName"]: p["SubscriptionStatus"] for p in contact["TopicPreferences"]}, contact["UnsubscribeAll"]


def test_a_batch_of_profile_changes_lands_in_the_contact_list_and_the_state_is_recorded(hop: dict[str, Any]) -> None:
    from crm_to_email.app import lambda_handler

    a = customer("c1", "ada@example.org")
    b = customer("c2", "bob@example.org", divisions=("museum", "cinema"))
    never = customer("c3", "nobody@example.org", consent="unknown")
    result = lambda_handler(sqs_event(profile_changed(a), profile_changed(b), profile_changed(never)), CONTEXT)
    assert result == {"batchItemFailures": []}
    topics, unsubscribed_all = _topics(hop["ses"], "bob@example.org")
    assert topics["museum"] == topics["cinema"] == topics["members"] == "OPT_IN"  # one contact, several lists
    assert unsubscribed_all is False
    contacts = hop["ses"].list_contacts(ContactListName="members-it")["Contacts"]
    assert {c["EmailAddress"] for c in contacts} == {"ada@example.org", "bob@example.org"}
    item = hop["ddb"].get_item(TableName=hop["table"], Key={"pk": {"S": "C#c2"}, "sk": {"S": "D#ses"}})["Item"]
    assert {a["S"] for a in item["audiences"]["L"]} >= {"museum", "cinema"}


def test_a_late_subscribed_snapshot_cannot_undo_a_committed_unsubscribe(hop: dict[str, Any]) -> None:
    from crm_to_email.app import lambda_handler

    subscribed = customer("c1", "ada@example.org", version=1)
    unsubscribed = customer("c1", "ada@example.org", version=2, consent="unsubscribed")
    ProfileStore(hop["table"], client=hop["ddb"]).restore(unsubscribed)  # the store already holds v2
    lambda_handler(sqs_event(profile_changed(subscribed)), CONTEXT)  # v1 arrives late
    topics, unsubscribed_all = _topics(hop["ses"], "ada@example.org")
    assert unsubscribed_all is True and set(topics.values()) == {"OPT_OUT"}


def test_a_malformed_record_is_dead_lettered_with_its_reason_and_the_rest_succeed(hop: dict[str, Any]) -> None:
    from crm_to_email.app import lambda_handler

    event = sqs_event(profile_changed(customer()))
    event["Records"].append({**event["Records"][0], "messageId": "bad", "body": json.dumps({"detail": {"x": 1}})})
    result = lambda_handler(event, CONTEXT)
    assert result == {"batchItemFailures": []}
    [message] = hop["sqs"].receive_message(QueueUrl=hop["dlq"], MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"]["source_message_id"]["StringValue"] == "bad"
    assert "bad ProfileChanged" in message["MessageAttributes"]["reason"]["StringValue"]


def test_a_destination_outage_fails_only_the_records_it_touched(
    hop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError
    from crm_to_email.app import lambda_handler

    from journeysync.destinations import wiring

    ses_dest = wiring.syncer().destinations[0]

    def throttled(**kw: Any) -> Any:
        raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "CreateContact")

    monkeypatch.setattr(ses_dest.ses, "create_contact", throttled)
    unchanged = customer("c9", "never@example.org", consent="unknown")
    result = lambda_handler(sqs_event(profile_changed(customer()), profile_changed(unchanged)), CONTEXT)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_the_full_sync_pushes_only_what_changed_and_then_rests(hop: dict[str, Any]) -> None:
    from crm_to_email.full_sync import lambda_handler

    for i in range(3):
        ProfileStore(hop["table"], client=hop["ddb"]).restore(customer(f"f{i}", f"f{i}@example.org"))
    first = lambda_handler({"force": True}, CONTEXT)
    assert first["complete"] is True and first["changes"] == {"ses": 3}
    second = lambda_handler({"force": True}, CONTEXT)
    assert second["changes"] == {}
    assert lambda_handler({}, CONTEXT)["skipped"] is True  # the daily pass already ran
