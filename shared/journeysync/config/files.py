"""Reading one configuration file: find the directory, parse the YAML safely, validate it, name what is wrong.

Apart from `loader` (which reads them all) so a function that needs one file — webhook ingest needs only the
catalogue — neither imports nor parses the rest on its cold start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from journeysync.errors import ConfigError
from journeysync.models.validation import first_error_field

if TYPE_CHECKING:
    from journeysync.config.catalogue import Catalogue

M = TypeVar("M", bound=BaseModel)


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


def load_file(path: Path, model: type[M]) -> M | None:
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


def missing(root: Path, name: str) -> ConfigError:
    """A required file that is not there: named, with a near miss (routing.yml, Routing.yaml) if there is one."""
    stem = name.removesuffix(".yaml")
    near = sorted(p.name for p in root.iterdir() if p.is_file() and p.stem.lower() == stem and p.name != name)
    hint = f"found {', '.join(near)}: rename it to {name}" if near else "every deployment needs it (copy it from infra/config)"
    return ConfigError(str(root / name), "(file)", f"required configuration file missing; {hint}")


def load_one(root: Path, name: str, model: type[M]) -> M:
    """One required file of `root`, validated (ConfigError naming the file if it is missing or invalid)."""
    if not root.is_dir():
        raise ConfigError(str(root), "(directory)", "configuration directory not found")
    loaded = load_file(root / name, model)
    if loaded is None:
        raise missing(root, name)
    return loaded


@lru_cache(maxsize=4)
def cached_catalogue(directory: str | None = None) -> Catalogue:
    """The catalogue alone, for the hops that map vendor payloads and nothing else (webhook ingest)."""
    from journeysync.config.catalogue import Catalogue

    return load_one(Path(directory) if directory is not None else default_config_dir(), "catalogue.yaml", Catalogue)
