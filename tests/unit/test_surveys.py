"""Survey dispatch, the pure parts: its configuration, quiet hours, the rules, the change adapter and the
email template declared in template.yaml (every variable it uses is one the dispatcher supplies)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from journeysync_local.template import load_template

from journeysync.config.loader import load_config
from journeysync.config.surveys import QuietHours, SurveysConfig
from journeysync.errors import ConfigError
from journeysync.models.changes import Cause, ProfileChanged
from journeysync.surveys.email import template_data
from journeysync.surveys.rules import in_quiet_hours, quiet_until, refusal
from journeysync.surveys.touchpoints import read_change

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = load_template(ROOT / "template.yaml")["Resources"]
CONFIG = load_config(ROOT / "infra" / "config").surveys


def test_the_shipped_config_surveys_a_visit_and_a_membership_purchase_from_the_template_sender() -> None:
    assert [(t.event, t.touchpoint) for t in CONFIG.touchpoints] == [
        ("ticket.checked_in", "visit"), ("membership.purchased", "membership-desk")]
    assert RESOURCES["SurveySenderIdentity"]["Properties"]["EmailIdentity"] == {"Ref": "SurveySenderAddress"}
    local = json.loads((ROOT / "infra" / "local-parameters.json").read_text())
    assert local["SurveySenderAddress"] == CONFIG.sender


def test_without_a_file_nothing_is_surveyed_and_the_rules_are_the_safe_ones() -> None:
    default = SurveysConfig()
    assert default.touchpoints == ()
    assert default.min_days_between == 30 and default.quiet_hours == QuietHours(start=time(21), end=time(9))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("time_zone: Mars/Olympus\n", "time_zone"),
        ("touchpoints:\n  - {event: ticket.checked_in, touchpoint: a, question: q}\n"
         "  - {event: ticket.checked_in, touchpoint: b, question: q}\n", "touchpoints"),
        ("min_days_between: 0\n", "min_days_between"),
    ],
)
def test_a_bad_surveys_file_fails_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    (tmp_path / "surveys.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert field in str(caught.value) and "surveys.yaml" in str(caught.value)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_quiet_hours_follow_the_organisations_wall_clock_and_quiet_until_leaves_them(now: datetime) -> None:
    local = now.astimezone(CONFIG.zone).time()
    assert in_quiet_hours(CONFIG, now) == (local >= time(21) or local < time(9))
    after = quiet_until(CONFIG, now)
    assert not in_quiet_hours(CONFIG, after)
    assert now <= after <= now + timedelta(hours=13)  # 21:00 → 09:00, plus a DST hour


def test_quiet_hours_are_local_time_across_the_clock_change() -> None:
    # 08:30 UTC is 08:30 in London in winter (quiet) and 09:30 in summer (not)
    assert in_quiet_hours(CONFIG, datetime(2026, 1, 15, 8, 30, tzinfo=UTC))
    assert not in_quiet_hours(CONFIG, datetime(2026, 7, 15, 8, 30, tzinfo=UTC))


def test_the_rules_give_the_most_lasting_reason_first() -> None:
    ok = dict(customer_exists=True, email="a@example.org", consent_status="unknown", topic_opted_out=False,
              alert_statuses=["resolved"])
    assert refusal(**ok) is None  # type: ignore[arg-type]
    assert refusal(**{**ok, "customer_exists": False}) == "gone"  # type: ignore[arg-type]
    assert refusal(**{**ok, "email": None}) == "no_email"  # type: ignore[arg-type]
    assert refusal(**{**ok, "consent_status": "complained", "topic_opted_out": True}) == "unsubscribed"  # type: ignore[arg-type]
    assert refusal(**{**ok, "topic_opted_out": True, "alert_statuses": ["open"]}) == "opted_out"  # type: ignore[arg-type]
    assert refusal(**{**ok, "alert_statuses": ["resolved", "escalated"]}) == "open_alert"  # type: ignore[arg-type]


def test_the_change_adapter_reads_the_causes_consent_and_liveness() -> None:
    at = datetime(2026, 12, 2, 12, tzinfo=UTC)
    change = ProfileChanged(customer_id="c1", version=3, at=at, causes=[Cause(id="e1", type="ticket.checked_in",
                            source="tills")], after={"profile": {"email_consent": {"status": "cleaned"}}})
    view = read_change(change)
    assert (view.live, view.suppressed, [t.event_type for t in view.touches]) == (True, True, ["ticket.checked_in"])
    forgotten = change.model_copy(update={"forgotten": True})
    assert not read_change(forgotten).live


def test_every_variable_of_the_survey_template_is_supplied_and_renders_one_link_per_score() -> None:
    from moto.ses.template import parse_template

    parts = RESOURCES["SurveyEmailTemplate"]["Properties"]["Template"]
    data = template_data(organisation="the Riverside Museum", question="How was it?", name="Ada Lovelace",
                         links={s: f"https://x.example/survey/t?score={s}" for s in range(0, 11)})
    used = {v for key in ("SubjectPart", "TextPart", "HtmlPart") for v in re.findall(r"{{\s*([a-z_]+)\s*}}", parts[key])}
    assert used <= set(data) | {"score", "url"}
    json.dumps(data)  # TemplateData is JSON
    html = parse_template(parts["HtmlPart"], data)
    assert re.findall(r'href="https://x.example/survey/t\?score=(\d+)"', html) == [str(s) for s in range(11)]
    text = parse_template(parts["TextPart"], data)
    assert "Hello Ada," in text and "How was it?" in text


def test_the_dispatch_queue_outlives_six_timeouts_and_its_dead_letters_raise_an_alarm() -> None:
    queue = RESOURCES["SurveyDispatchQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * RESOURCES["SurveyDispatchFunction"]["Properties"].get("Timeout", 20)
    alarm = RESOURCES["SurveyDispatchDLQDepthAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["SurveyDispatchDLQ", "QueueName"]}
    schedule = RESOURCES["SurveySendFunction"]["Properties"]["Events"]["Every5Minutes"]["Properties"]
    assert schedule["Schedule"] == "rate(5 minutes)"


def test_config_check_warns_about_a_surveyed_touchpoint_no_team_owns(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from journeysync_cli.main import app

    shipped = ROOT / "infra" / "config"
    for name in ("catalogue.yaml", "routing.yaml", "journeys.yaml", "segments.yaml", "identity.yaml", "engagement.yaml"):
        (tmp_path / name).write_text((shipped / name).read_text())
    (tmp_path / "surveys.yaml").write_text(
        "touchpoints:\n  - {event: ticket.checked_in, touchpoint: cafe, question: \"How was lunch?\"}\n")
    result = CliRunner().invoke(app, ["config", "check", "--config", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == [
        "surveys.yaml: touchpoint 'cafe' has no owning team in routing.yaml rules "
        "(its poor ratings go to visitor-experience)"]
    shipped_result = CliRunner().invoke(app, ["config", "check", "--config", str(shipped), "--json"])
    assert json.loads(shipped_result.stdout)["warnings"] == []


@pytest.mark.parametrize(("status", "indexed"), [("pending", True), ("sending", False), ("sent", True), ("skipped", False)])
def test_only_the_statuses_read_by_status_are_in_gsi1(status: str, indexed: bool) -> None:
    """The send schedule reads pending surveys and the outbox sent ones; a survey passing through `sending`
    or ending `skipped` stays out of the index, so each of those moves is one index write, not two."""
    from journeysync.surveys.model import Survey
    from journeysync.surveys.requests import survey_item
    from journeysync.surveys.store import SurveyStore

    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    survey = Survey(customer_id="c-1", event_id="e-1", event_type="ticket.checked_in", touchpoint="visit",
                    scale="nps", question="How likely?", status=status, planned_at=at, due_at=at)  # type: ignore[arg-type]
    item = survey_item(survey)
    assert ("gsi1pk" in item) is indexed and ("gsi1sk" in item) is indexed
    if not indexed:
        with pytest.raises(ValueError, match="found by status only"):
            next(SurveyStore("t", client=object()).by_status(status))  # type: ignore[arg-type]
