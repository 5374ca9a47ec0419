"""Load and validate the YAML configuration directory (every file; `files` reads one).

Resolution order for the directory: explicit argument (`--config DIR`), then
`JOURNEYSYNC_CONFIG_DIR`, then `./infra/config`, then the copy beside this
source tree. In Lambda the template points `JOURNEYSYNC_CONFIG_DIR` at the
config layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast

from pydantic import BaseModel

from journeysync.config.catalogue import Catalogue
from journeysync.config.engagement import EngagementConfig
from journeysync.config.files import default_config_dir, load_file, missing
from journeysync.config.identity import IdentityConfig, IdentityPolicy
from journeysync.config.journeys import JourneysConfig
from journeysync.config.routing import RoutingConfig
from journeysync.config.segments import SegmentsConfig
from journeysync.config.surveys import SurveysConfig
from journeysync.errors import ConfigError

FILES: dict[str, type[BaseModel]] = {
    "catalogue.yaml": Catalogue,
    "journeys.yaml": JourneysConfig,
    "segments.yaml": SegmentsConfig,
    "routing.yaml": RoutingConfig,
    "identity.yaml": IdentityConfig,
    "engagement.yaml": EngagementConfig,
    "surveys.yaml": SurveysConfig,
}


@dataclass(frozen=True)
class AppConfig:
    directory: Path
    catalogue: Catalogue
    journeys: JourneysConfig
    segments: SegmentsConfig
    routing: RoutingConfig
    identity: IdentityPolicy = field(default_factory=IdentityPolicy)
    engagement: EngagementConfig = field(default_factory=EngagementConfig)
    surveys: SurveysConfig = field(default_factory=SurveysConfig)


def load_config(directory: Path | str | None = None) -> AppConfig:
    """Read and validate every file in `directory`; all seven are required.

    A file that is missing is an error, never silent defaults: on Lambda `/opt` always exists, so a
    mis-packaged config layer would otherwise run with no journeys, no segments and a placeholder sender.
    Files that are present are validated first, so a broken file is reported before a missing one.
    """
    root = Path(directory) if directory is not None else default_config_dir()
    if not root.is_dir():
        raise ConfigError(str(root), "(directory)", "configuration directory not found")
    loaded = {name: load_file(root / name, model) for name, model in FILES.items()}
    for name, value in loaded.items():
        if value is None:
            raise missing(root, name)
    return AppConfig(
        directory=root,
        catalogue=cast(Catalogue, loaded["catalogue.yaml"]),
        journeys=cast(JourneysConfig, loaded["journeys.yaml"]),
        segments=cast(SegmentsConfig, loaded["segments.yaml"]),
        routing=cast(RoutingConfig, loaded["routing.yaml"]),
        identity=cast(IdentityConfig, loaded["identity.yaml"]).identity,
        engagement=cast(EngagementConfig, loaded["engagement.yaml"]),
        surveys=cast(SurveysConfig, loaded["surveys.yaml"]),
    )


@lru_cache(maxsize=4)
def cached_config(directory: str | None = None) -> AppConfig:
    """Per-process cache for handlers (config is immutable for a deployment)."""
    return load_config(directory)
