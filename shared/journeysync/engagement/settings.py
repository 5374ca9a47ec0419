"""Settings of the engagement functions and the campaign sender (from the template's environment)."""

from __future__ import annotations

from pydantic import Field

from journeysync.settings import Settings


class EngagementSettings(Settings):
    engagement_dlq_url: str = Field(default="", description="where SES events that cannot be read go, with a reason")
    ses_configuration_set: str = Field(default="", description="!Ref EngagementConfigurationSet: sends publish events")
    ses_contact_list: str = Field(default="", description="!Ref ContactList: campaign sends honour its topics")
    marketing_from: str = Field(default="", description="the verified sender of marketing email")
    mailchimp_base_url: str = Field(default="", description="overrides https://<dc>.api.mailchimp.com/3.0")
    mailchimp_api_key: str = Field(default="", description="for local runs; in AWS the key is a secret")
