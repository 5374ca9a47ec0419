"""Segments: declarative rules over the profile, each mapped to destination audiences."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Op = Literal[
    "eq", "ne", "in", "not_in", "contains", "lt", "lte", "gt", "gte", "exists", "within_days", "older_than_days"
]

SES_MAX_TOPICS = 20


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Cfg):
    """Either a combinator (`all`, `any`, `not`) or a comparison (`field`, `op`, `value`)."""

    all: tuple[Rule, ...] | None = None
    any: tuple[Rule, ...] | None = None
    not_: Rule | None = Field(default=None, alias="not")
    field: str | None = None
    op: Op | None = None
    value: Any = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_form(self) -> Rule:
        forms = [self.all is not None, self.any is not None, self.not_ is not None, self.field is not None]
        if sum(forms) != 1:
            raise ValueError("a rule is exactly one of all / any / not / field+op")
        if self.field is not None and self.op is None:
            raise ValueError("a field rule needs op")
        return self


class SegmentDestinations(_Cfg):
    ses_topic: str | None = None
    mailchimp_tag: str | None = None


class SegmentConfig(_Cfg):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    rule: Rule
    destinations: SegmentDestinations = Field(default_factory=SegmentDestinations)
    suppression: bool = False


class SesDestination(_Cfg):
    enabled: bool = True
    contact_list: str = "journeysync"


class MailchimpDestination(_Cfg):
    enabled: bool = False
    list_id: str | None = None
    server_prefix: str | None = None


class DestinationsConfig(_Cfg):
    ses: SesDestination = Field(default_factory=SesDestination)
    mailchimp: MailchimpDestination = Field(default_factory=MailchimpDestination)


class SegmentsConfig(_Cfg):
    destinations: DestinationsConfig = Field(default_factory=DestinationsConfig)
    segments: tuple[SegmentConfig, ...] = ()

    @model_validator(mode="after")
    def _valid_for_destinations(self) -> SegmentsConfig:
        names = [s.name for s in self.segments]
        if len(names) != len(set(names)):
            raise ValueError("segment names must be unique")
        topics = {s.destinations.ses_topic for s in self.segments if s.destinations.ses_topic}
        if len(topics) > SES_MAX_TOPICS:
            raise ValueError(
                f"SES allows at most {SES_MAX_TOPICS} topics in its one contact list; {len(topics)} are mapped"
            )
        return self

    def get(self, name: str) -> SegmentConfig | None:
        return next((s for s in self.segments if s.name == name), None)
