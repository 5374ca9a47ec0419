"""crm_to_email's template resources agree with the config and the house rules; state builders are pure."""

from __future__ import annotations

from pathlib import Path

from journeysync_local.template import load_template

from journeysync.config import load_config
from journeysync.destinations.model import ContactState
from journeysync.destinations.state import bump_version, get_states, put_state, state_from_item, state_item
from journeysync.segments import SegmentEngine

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = load_template(ROOT / "template.yaml")["Resources"]


def test_the_contact_list_declares_exactly_the_configured_topics_opted_out_by_default() -> None:
    topics = RESOURCES["ContactList"]["Properties"]["Topics"]
    engine = SegmentEngine(load_config(ROOT / "infra" / "config").segments)
    assert [t["TopicName"] for t in topics] == engine.all_audiences("ses")
    assert {t["DefaultSubscriptionStatus"] for t in topics} == {"OPT_OUT"}


def test_the_queue_outlives_six_function_timeouts_and_redrives_after_several_receives() -> None:
    queue = RESOURCES["CrmToEmailQueue"]["Properties"]
    function = RESOURCES["CrmToEmailFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] > 1
    event = function["Events"]["ProfileChanged"]["Properties"]
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_rule_routes_profile_changes_from_the_bus_to_the_queue() -> None:
    rule = RESOURCES["ProfileChangedToEmailRule"]["Properties"]
    assert rule["EventPattern"] == {"source": ["journeysync.profiles"], "detail-type": ["ProfileChanged"]}
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["CrmToEmailQueue", "Arn"]}


def test_every_policy_statement_names_a_resource() -> None:
    for logical_id in ("CrmToEmailFunction", "CrmToEmailFullSyncFunction"):
        for policy in RESOURCES[logical_id]["Properties"]["Policies"]:
            for statement in policy["Statement"]:
                assert statement["Resource"] != "*", (logical_id, statement["Action"])


def test_state_items_round_trip_and_writes_are_version_guarded() -> None:
    state = ContactState("c1", "ses", 3, "ada@example.org", frozenset({"members", "museum"}), subscribed=True)
    assert state_from_item(state_item(state)) == state
    put = put_state("T", state)
    assert put["Item"]["pk"] == {"S": "C#c1"} and put["Item"]["sk"] == {"S": "D#ses"}
    assert put["ConditionExpression"] == "attribute_not_exists(pk) OR #v <= :v"
    assert bump_version("T", "c1", "ses", 4)["ConditionExpression"] == "attribute_exists(pk) AND #v < :v"
    keys = get_states("T", ["c1", "c2"], ["ses", "mailchimp"], with_profiles=True)["RequestItems"]["T"]["Keys"]
    assert len(keys) == 6 and {"pk": {"S": "C#c1"}, "sk": {"S": "P"}} in keys
