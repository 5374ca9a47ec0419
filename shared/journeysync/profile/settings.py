"""Settings of the profile hops (pos_to_crm, journey sweep, crm_push), from the function's environment."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from journeysync.settings import Settings


class PosToCrmSettings(Settings):
    events_dlq_url: str = Field(default="", description="where events that can never apply go, with the reason")


class CrmPushSettings(Settings):
    crm_push_target: Literal["builtin", "hubspot"] = Field(
        default="builtin", description="builtin: the profile table is the CRM (nothing to push); hubspot: push"
    )
    hubspot_base_url: str = "https://api.hubapi.com"
    hubspot_secret: str = Field(default="hubspot", description="Secrets Manager name (after the prefix) of the token")
    hubspot_requests_per_10s: int = Field(default=100, ge=1, le=190)
    crm_push_dlq_url: str = ""


@lru_cache(maxsize=1)
def pos_to_crm_settings() -> PosToCrmSettings:
    return PosToCrmSettings()


@lru_cache(maxsize=1)
def crm_push_settings() -> CrmPushSettings:
    return CrmPushSettings()
