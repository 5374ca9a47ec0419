"""Settings of the survey dispatch functions (from the template's environment)."""

from __future__ import annotations

from pydantic import Field

from journeysync.alerts.settings import SurveySettings


class DispatchSettings(SurveySettings):
    survey_template: str = Field(default="journeysync-survey-v1", description="the SES template's name (!Ref)")
    survey_from: str | None = Field(default=None, description="SES sender; default: surveys.yaml sender")
    survey_dispatch_dlq_url: str = Field(default="", description="where records that are not a ProfileChanged go")
    ses_contact_list: str = Field(default="", description="where recipients' topic opt-outs live (!Ref ContactList)")
