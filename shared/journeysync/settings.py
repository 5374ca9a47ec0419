"""Typed runtime settings, read from the environment the template (or the dev stack) gives a function.

Each handler builds its own subclass once, lazily, so importing a handler never reads the environment
and tests can set it per test. The settings are flat strings, numbers and paths under one prefix, which
pydantic itself validates from the environment; pydantic-settings would add ~35 ms to every function's
cold start (its import pulls in asyncio, argparse and dotenv) for sources we do not use.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENV_PREFIX = "JOURNEYSYNC_"


class Settings(BaseModel):
    """What every hop needs to find its resources: `JOURNEYSYNC_<FIELD>` variables, keyword arguments first."""

    model_config = ConfigDict(extra="ignore")

    table_name: str = Field(default="journeysync", description="the single profile table")
    events_queue_url: str = ""
    bus_name: str = "journeysync"
    archive_bucket: str = "journeysync-archive"
    config_dir: Path | None = None
    secrets_prefix: str = "journeysync/"
    stage: str = "local"

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        fields = cls.model_fields
        env = {name: value for key, value in os.environ.items()
               if key.upper().startswith(ENV_PREFIX) and (name := key[len(ENV_PREFIX):].lower()) in fields}
        return {**env, **data} if isinstance(data, dict) else data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
