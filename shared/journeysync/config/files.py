"""Reading one configuration file: find the directory, parse the YAML safely, validate it, name what is wrong.

Apart from `loader` (which reads them all) so a function that needs one file — webhook ingest needs only the
catalogue — neither imports nor parses the rest on its cold start.

The YAML files are what an organisation edits. `sam build` adds `config.json` to the config layer
(`python -m journeysync.config.files SRC DEST`, run by infra/config/Makefile): every file validated, then its
parsed content, so a cold start reads JSON with the standard library and never imports a YAML parser.
A file's entry there is read in place of the file; a file without one (a directory nobody built, like
infra/config itself) is parsed as YAML. Errors name the YAML file either way.
"""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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


COMPILED = "config.json"
COMPILED_FORMAT = 1


@lru_cache(maxsize=8)
def _compiled(directory: Path) -> dict[str, Any]:
    """The parsed files of `directory`'s config.json by file name (empty when there is none)."""
    path = directory / COMPILED
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_bytes())
    except ValueError as exc:
        raise ConfigError(str(path), "(json)", f"not valid JSON: {exc}; rebuild the config layer") from None
    if not isinstance(doc, dict) or doc.get("format") != COMPILED_FORMAT or not isinstance(doc.get("files"), dict):
        raise ConfigError(str(path), "format", f"expected format {COMPILED_FORMAT}; rebuild the config layer")
    files: dict[str, Any] = doc["files"]
    return files


def parse_yaml(path: Path) -> Any:
    import yaml

    # libyaml's safe loader when the wheel has it (ten times faster than the pure-Python one)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        raise ConfigError(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None


def load_file(path: Path, model: type[M]) -> M | None:
    if not path.exists():
        return None
    compiled = _compiled(path.parent)
    raw = compiled[path.name] if path.name in compiled else parse_yaml(path)
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


def compile_directory(source: Path) -> bytes:
    """config.json for `source`: every file validated first (a broken config fails the build, naming the file)."""
    from journeysync.config.loader import FILES, load_config

    load_config(source)
    files: dict[str, Any] = {}
    for name, model in FILES.items():
        raw = parse_yaml(source / name)
        as_json = json.loads(json.dumps(raw, default=str))
        # JSON has no dates: a value YAML reads as one must read the same from its text, or the build stops
        if as_json != raw and model.model_validate(as_json or {}) != model.model_validate(raw or {}):
            raise ConfigError(str(source / name), "(value)", "a value YAML reads as a date or time means "
                              "something else as text: quote it")
        files[name] = as_json
    return json.dumps({"format": COMPILED_FORMAT, "files": files}, sort_keys=True).encode()


def main(argv: list[str]) -> int:
    """`python -m journeysync.config.files SRC DEST`: write SRC's config.json to DEST (the config layer build)."""
    if len(argv) != 2:
        print("usage: python -m journeysync.config.files CONFIG_DIR OUTPUT_JSON", file=sys.stderr)
        return 2
    try:
        Path(argv[1]).write_bytes(compile_directory(Path(argv[0])))
    except (ConfigError, OSError) as exc:
        print(f"config layer: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
