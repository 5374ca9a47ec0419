"""Settings come from `JOURNEYSYNC_*` variables, typed and validated; keyword arguments win over them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from journeysync.alerts.settings import SurveySettings
from journeysync.profile.settings import CrmPushSettings
from journeysync.settings import Settings


def test_each_field_reads_its_prefixed_variable_typed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JOURNEYSYNC_TABLE_NAME", "profiles-prod")
    monkeypatch.setenv("JOURNEYSYNC_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("JOURNEYSYNC_RATING_TTL_DAYS", "7")
    monkeypatch.setenv("JOURNEYSYNC_NOT_A_FIELD", "ignored")
    monkeypatch.setenv("TABLE_NAME", "unprefixed is not ours")
    settings = SurveySettings()
    assert settings.table_name == "profiles-prod" and settings.config_dir == tmp_path
    assert settings.rating_ttl_days == 7 and settings.bus_name == "journeysync"  # a default stays
    assert not hasattr(settings, "not_a_field")


def test_keyword_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYSYNC_TABLE_NAME", "from-env")
    assert Settings(table_name="given").table_name == "given"


@pytest.mark.parametrize(("name", "value", "field"), [
    ("JOURNEYSYNC_HUBSPOT_REQUESTS_PER_10S", "500", "hubspot_requests_per_10s"),  # over HubSpot's limit
    ("JOURNEYSYNC_HUBSPOT_REQUESTS_PER_10S", "many", "hubspot_requests_per_10s"),
    ("JOURNEYSYNC_CRM_PUSH_TARGET", "salesforce", "crm_push_target"),
])
def test_a_bad_value_is_refused_naming_its_field(monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=field):
        CrmPushSettings()
