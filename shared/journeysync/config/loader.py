"""Load and validate the YAML configuration directory.

Resolution order for the directory: explicit argument (`--config DIR`), then
`JOURNEYSYNC_CONFIG_DIR`, then `./infra/config`, then the copy beside this
source tree. In Lambda the template points `JOURNEYSYNC_CONFIG_DIR` at the
config layer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError

from journeysync.config.catalogue import Catalogue
from journeysync.config.engagement import EngagementConfig
from journeysync.config.identity import IdentityConfig, IdentityPolicy
from journeysync.config.journeys import JourneysConfig
from journeysync.config.routing import RoutingConfig
from journeysync.config.segments import SegmentsConfig
from journeysync.config.surveys import SurveysConfig
from journeysync.errors import ConfigError
from journeysync.models.validation import first_error_field

M = TypeVar("M", bound=BaseModel)

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


def default_config_dir() -> Path:
    env = os.environ.get("JOURNEYSYNC_CONFIG_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / "infra" / "config"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "infra" / "config"


# libyaml's safe loader when the wheel has it (ten times faster: it is on every cold start's path)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_file(path: Path, model: type[M]) -> M | None:
    if not path.exists():
        return None
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        raise ConfigError(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(str(path), "(root)", "expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        field, msg = first_error_field(exc)
        raise ConfigError(str(path), field, msg) from None


def _missing(root: Path, name: str) -> ConfigError:
    """A required file that is not there: named, with a near miss (routing.yml, Routing.yaml) if there is one."""
    stem = name.removesuffix(".yaml")
    near = sorted(p.name for p in root.iterdir() if p.is_file() and p.stem.lower() == stem and p.name != name)
    hint = f"found {', '.join(near)}: rename it to {name}" if near else "every deployment needs it (copy it from infra/config)"
    return ConfigError(str(root / name), "(file)", f"required configuration file missing; {hint}")


def load_config(directory: Path | str | None = None) -> AppConfig:
    """Read and validate every file in `directory`; all seven are required.

    A file that is missing is an error, never silent defaults: on Lambda `/opt` always exists, so a
    mis-packaged config layer would otherwise run with no journeys, no segments and a placeholder sender.
    Files that are present are validated first, so a broken file is reported before a missing one.
    """
    root = Path(directory) if directory is not None else default_config_dir()
    if not root.is_dir():
        raise ConfigError(str(root), "(directory)", "configuration directory not found")
    loaded = {name: _load_file(root / name, model) for name, model in FILES.items()}
    for name, value in loaded.items():
        if value is None:
            raise _missing(root, name)
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
