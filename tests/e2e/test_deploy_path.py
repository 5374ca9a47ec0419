"""A newcomer's path on the local stack standing in for their AWS account.

The built template (`sam build` output) is deployed with the parameters a real `sam deploy` takes for an
organisation that is not the demo museum; then, as the README tells a newcomer: `journeysync secrets set`,
`journeysync webhooks urls`, a signed webhook to the printed URL, and `journeysync doctor`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from journeysync_local.stack import LocalStack
from journeysync_local.template import repo_root
from typer.testing import CliRunner

from journeysync.vendors.cloudevents import sign
from journeysync_cli.main import app
from tests.deploy_parameters import DEPLOY_PARAMETERS
from tests.e2e.fixtures import StartStack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600), pytest.mark.xdist_group("sam-build")]

CLOUDEVENTS_SECRET = "a-newcomers-cloudevents-key"


@pytest.fixture
def deployed(start_local_stack: StartStack, sam_build: Path, tmp_path: Path) -> Iterator[LocalStack]:
    saved = dict(os.environ)
    state = tmp_path / "stack.json"
    os.environ["JOURNEYSYNC_STATE_FILE"] = str(state)
    try:
        yield start_local_stack(
            sam_build / "template.yaml",
            parameters=DEPLOY_PARAMETERS,
            config_dir=repo_root() / "infra" / "config",
            # nothing seeded but what a newcomer sets: the template's own signing key stays generated
            secrets={"square": "placeholder-square-key"},
            state_file=state,
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from journeysync.aws import reset_clients
        from journeysync.settings import get_settings

        reset_clients()
        get_settings.cache_clear()


def journeysync(*args: str, input: str | None = None) -> Any:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, (json.loads(result.stdout) if "--json" in args and result.stdout.strip() else result.output)


def test_the_built_template_deploys_for_any_organisation(deployed: LocalStack) -> None:
    ses = deployed.client("sesv2")
    assert deployed.resources["AlertSenderIdentity"] == DEPLOY_PARAMETERS["SenderAddress"]
    identities = {i["IdentityName"] for i in ses.list_email_identities()["EmailIdentities"]}
    assert DEPLOY_PARAMETERS["SenderAddress"] in identities
    for function in ("SurveyRouterFunction", "AlertEscalatorFunction"):
        assert deployed.env[function]["JOURNEYSYNC_ALERT_FROM"] == DEPLOY_PARAMETERS["SenderAddress"]
    assert deployed.env["ReconcileFunction"]["JOURNEYSYNC_OPS_EMAIL"] == DEPLOY_PARAMETERS["OpsEmail"]

    sns = deployed.client("sns")
    topic = deployed.resources["AlarmTopic"]
    endpoints = {s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
    assert endpoints == {DEPLOY_PARAMETERS["AlarmEmail"]}

    alarms = deployed.client("cloudwatch").describe_alarms(AlarmNamePrefix=deployed.stack_name)["MetricAlarms"]
    ours = [a for a in alarms if a["AlarmName"].startswith(deployed.stack_name)]
    assert len(ours) >= 12
    assert all(a["AlarmActions"] == [topic] for a in ours), [a["AlarmName"] for a in ours if a["AlarmActions"] != [topic]]

    logs = deployed.client("logs")
    groups = [deployed.resources[lid] for lid in deployed.resources if lid.endswith("LogGroup")]
    assert len(groups) >= 13
    for group in groups:
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        assert found and found[0].get("retentionInDays") == 30, group

    key = deployed.client("secretsmanager").get_secret_value(SecretId=f"{deployed.secrets_prefix}survey")["SecretString"]
    assert len(key) == 64 and key.isalnum()


def test_secrets_set_then_the_printed_url_accepts_a_signed_webhook_and_doctor_reports_then_fails_on_a_dlq(deployed: LocalStack) -> None:
    code, out = journeysync("secrets", "set", "cloudevents", "--stdin", input=f"  {CLOUDEVENTS_SECRET}\n")
    assert code == 0, out
    stored = deployed.client("secretsmanager").get_secret_value(SecretId=f"{deployed.secrets_prefix}cloudevents")
    assert stored["SecretString"] == CLOUDEVENTS_SECRET  # a plain string, whitespace dropped

    code, out = journeysync("secrets", "set", "shopify", "--stdin", input='{"secret": "x"}')
    assert code == 1 and "plain string" in out

    code, urls = journeysync("webhooks", "urls", "--json")
    assert code == 0
    assert urls["mailchimp"] is None  # its token is part of the URL: not set yet
    body = json.dumps(
        {"specversion": "1.0", "id": "first-sale", "source": "till", "type": "membership.purchased",
         "time": "2026-12-04T10:00:00Z", "identity": {"emails": ["first@example.org"]},
         "data": {"tier": "individual", "term_months": 12}}
    ).encode()
    headers = {"content-type": "application/cloudevents+json",
               "x-journeysync-signature": sign(CLOUDEVENTS_SECRET, body, int(time.time()))}
    answer = requests.post(urls["cloudevents"], data=body, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    deployed.wait_idle(timeout=30)

    code, checks = journeysync("doctor", "--json")
    by_name = {c["name"]: c for c in checks}
    assert by_name["signing key"]["status"] == "ok"
    assert by_name["vendor secrets"]["status"] == "ok" and "cloudevents" in by_name["vendor secrets"]["detail"]
    assert by_name["SES sender"]["status"] == "ok"
    assert by_name["dead-letter queues"]["status"] == "ok"
    assert by_name["last reconcile"]["status"] == "warn"  # never ran yet
    assert code == 0

    # a record dead-letters: doctor fails and says where to look
    deployed.client("sqs").send_message(QueueUrl=deployed.resources["CrmPushDLQ"], MessageBody="{}")
    code, checks = journeysync("doctor", "--json")
    dlq = next(c for c in checks if c["name"] == "dead-letter queues")
    assert code == 1 and dlq["status"] == "fail" and "CrmPushDLQ 1" in dlq["detail"]
