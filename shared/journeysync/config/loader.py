"""Load and validate the YAML configuration directory.

Resolution order for the directory: explicit argument (`--config DIR`), then
`JOURNEYSYNC_CONFIG_DIR`, then `./infra/config`, then the copy beside this
source tree. In Lambda the template points `JOURNEYSYNC_CONFIG_DIR` at the
config layer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from journeysync.config.catalogue import Catalogue
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
    "surveys.yaml": SurveysConfig,
}


@dataclass(frozen=True)
class AppConfig:
    directory: Path
    catalogue: Catalogue
    journeys: JourneysConfig
    segments: SegmentsConfig
    routing: RoutingConfig
    surveys: SurveysConfig


def default_config_dir() -> Path:
    env = os.environ.get("JOURNEYSYNC_CONFIG_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / "infra" / "config"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "infra" / "config"


def _load_file(path: Path, model: type[M]) -> M:
    if not path.exists():
        return model()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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


def load_config(directory: Path | str | None = None) -> AppConfig:
    """Read every known file in `directory`; a missing file means that feature's defaults."""
    root = Path(directory) if directory is not None else default_config_dir()
    if not root.is_dir():
        raise ConfigError(str(root), "(directory)", "configuration directory not found")
    return AppConfig(
        directory=root,
        catalogue=_load_file(root / "catalogue.yaml", Catalogue),
        journeys=_load_file(root / "journeys.yaml", JourneysConfig),
        segments=_load_file(root / "segments.yaml", SegmentsConfig),
        routing=_load_file(root / "routing.yaml", RoutingConfig),
        surveys=_load_file(root / "surveys.yaml", SurveysConfig),
    )


@lru_cache(maxsize=4)
def cached_config(directory: str | None = None) -> AppConfig:
    """Per-process cache for handlers (config is immutable for a deployment)."""
    return load_config(directory)
