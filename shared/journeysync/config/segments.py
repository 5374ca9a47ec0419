"""Segments: declarative rules over the profile, each mapped to destination audiences."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Op = Literal[
    "eq", "ne", "in", "not_in", "contains", "lt", "lte", "gt", "gte", "exists", "within_days", "older_than_days"
]

SES_MAX_TOPICS = 20
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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
    rate_per_second: float = Field(
        default=1.0, gt=0, description="SES throttles list-management calls at 1/s per account"
    )


class MailchimpDestination(_Cfg):
    enabled: bool = False
    list_id: str | None = None
    server_prefix: str | None = Field(default=None, description="data centre, e.g. us12 (else the API key's suffix)")
    api_key_secret: str = Field(default="mailchimp-api-key", description="Secrets Manager name under the prefix")
    concurrency: int = Field(default=10, ge=1, le=10, description="Mailchimp allows 10 concurrent connections")
    rate_per_second: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _needs_a_list(self) -> MailchimpDestination:
        if self.enabled and not self.list_id:
            raise ValueError("mailchimp.enabled needs mailchimp.list_id (the audience id)")
        return self


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
        bad = sorted(t for t in topics if not _TOPIC_NAME.match(t))
        if bad:
            raise ValueError(f"SES topic names may use letters, digits, '-' and '_' only: {', '.join(bad)}")
        from journeysync.segments.engine import check_fields  # the engine knows which fields exist

        problems = check_fields(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def get(self, name: str) -> SegmentConfig | None:
        return next((s for s in self.segments if s.name == name), None)
