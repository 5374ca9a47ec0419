"""config.json, the config layer's build of the YAML: the same configuration, read without a YAML parser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from journeysync.config.files import COMPILED, compile_directory, main
from journeysync.config.loader import load_config
from journeysync.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "infra" / "config"


def _built(tmp_path: Path, source: Path = SHIPPED) -> Path:
    """What infra/config/Makefile puts in the layer: the YAML files and config.json."""
    layer = tmp_path / "layer"
    layer.mkdir()
    for path in source.glob("*.yaml"):
        shutil.copy(path, layer / path.name)
    assert main([str(source), str(layer / COMPILED)]) == 0
    return layer


def test_the_built_layer_reads_the_same_configuration_as_the_yaml(tmp_path: Path) -> None:
    layer = _built(tmp_path)
    from_json, from_yaml = load_config(layer), load_config(SHIPPED)
    for part in ("catalogue", "journeys", "segments", "routing", "identity", "engagement", "surveys"):
        assert getattr(from_json, part) == getattr(from_yaml, part), part


def test_the_config_json_is_read_in_place_of_the_yaml_it_was_built_from(tmp_path: Path) -> None:
    layer = _built(tmp_path)
    (layer / "routing.yaml").write_text("this: [is not, valid: yaml")  # the JSON entry is what is read
    assert load_config(layer).routing == load_config(SHIPPED).routing


def test_a_cold_start_on_the_built_layer_never_imports_a_yaml_parser(tmp_path: Path) -> None:
    layer = _built(tmp_path)
    code = ("import sys; from journeysync.config.loader import load_config; "
            f"load_config({str(layer)!r}); print('yaml' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_an_invalid_value_in_the_built_layer_is_named_by_its_yaml_file_and_field(tmp_path: Path) -> None:
    layer = _built(tmp_path)
    doc = json.loads((layer / COMPILED).read_text())
    doc["files"]["segments.yaml"]["segments"][0]["name"] = "Not A Valid Name"
    (layer / COMPILED).write_text(json.dumps(doc))
    with pytest.raises(ConfigError) as exc:
        load_config(layer)
    assert exc.value.source == str(layer / "segments.yaml") and exc.value.field.startswith("segments.0.name")


@pytest.mark.parametrize("content", ["{not json", '{"format": 2, "files": {}}', '["a list"]'])
def test_a_config_json_from_another_build_or_broken_says_rebuild(tmp_path: Path, content: str) -> None:
    layer = _built(tmp_path)
    (layer / COMPILED).write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_config(layer)
    assert exc.value.source == str(layer / COMPILED) and "rebuild the config layer" in exc.value.message


def test_the_build_stops_on_a_broken_config_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "config"
    shutil.copytree(SHIPPED, source)
    (source / "routing.yaml").write_text("teams: {}\nrules: [{team: nobody}]\n")
    out = tmp_path / COMPILED
    assert main([str(source), str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"config layer: {source / 'routing.yaml'}:") and len(err.splitlines()) == 1


def test_the_build_stops_on_a_value_that_means_something_else_as_json_text(tmp_path: Path) -> None:
    source = tmp_path / "config"
    shutil.copytree(SHIPPED, source)
    segments = (source / "segments.yaml").read_text()
    # an unquoted date in a rule's value: YAML reads a date, JSON could only carry its text
    rule = "{field: membership.valid_from, op: gte, value: 2026-01-01}"
    (source / "segments.yaml").write_text(f"{segments}\n  - name: since-launch\n    rule: {rule}\n")
    load_config(source)  # valid as YAML
    with pytest.raises(ConfigError) as exc:
        compile_directory(source)
    assert exc.value.source == str(source / "segments.yaml") and "quote it" in exc.value.message


def test_the_build_says_in_one_line_when_it_cannot_write_config_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(SHIPPED), str(tmp_path / "no-such-dir" / COMPILED)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("config layer: ") and "no-such-dir" in err and len(err.splitlines()) == 1
