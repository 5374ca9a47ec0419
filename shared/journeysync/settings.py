"""Typed runtime settings, read from the environment the template (or the dev stack) gives a function.

Each handler builds its own subclass once, lazily, so importing a handler never
reads the environment and tests can set it per test.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every hop needs to find its resources."""

    model_config = SettingsConfigDict(env_prefix="JOURNEYSYNC_", extra="ignore")

    table_name: str = Field(default="journeysync", description="the single profile table")
    events_queue_url: str = ""
    bus_name: str = "journeysync"
    archive_bucket: str = "journeysync-archive"
    config_dir: Path | None = None
    secrets_prefix: str = "journeysync/"
    stage: str = "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
