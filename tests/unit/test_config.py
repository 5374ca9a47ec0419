from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from journeysync.config import load_config
from journeysync.errors import ConfigError
from journeysync_cli.main import app

SHIPPED = Path(__file__).resolve().parents[2] / "infra" / "config"


def test_shipped_museum_config_is_valid_and_complete() -> None:
    cfg = load_config(SHIPPED)
    assert cfg.catalogue.lookup("square", sku="MEM-FAM-12").tier == "family"  # type: ignore[union-attr]
    assert cfg.catalogue.lookup("shopify", name="Dinosaurs Unearthed - Adult").event_ref == "exh-dinosaurs-2026"  # type: ignore[union-attr]
    assert {j.name for j in cfg.journeys.journeys} == {"membership", "visit_feedback"}
    assert cfg.segments.get("dino-booked") is not None
    assert cfg.routing.scales["nps"].sentiment(3) == "detractor"


def test_catalogue_returns_none_for_unknown_products() -> None:
    cfg = load_config(SHIPPED)
    assert cfg.catalogue.lookup("square", sku="NOPE", name="Parking") is None


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def test_invalid_field_is_reported_with_file_and_field(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "catalogue.yaml",
        "entries:\n  - match: {skus: [X]}\n    meaning: membership\n    tier: gold\n    term_months: -1\n",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert exc.value.source.endswith("catalogue.yaml")
    assert exc.value.field == "entries.0.term_months"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    _write(tmp_path, "journeys.yaml", "journeys:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert exc.value.source.endswith("journeys.yaml")
    assert exc.value.field.startswith("line ")


def test_too_many_ses_topics_is_rejected(tmp_path: Path) -> None:
    segs = "".join(
        f"  - name: s{i}\n    rule: {{field: vip, op: eq, value: true}}\n    destinations: {{ses_topic: t{i}}}\n"
        for i in range(21)
    )
    _write(tmp_path, "segments.yaml", "segments:\n" + segs)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert "at most 20 topics" in exc.value.message


def test_routing_rule_must_name_a_defined_team(tmp_path: Path) -> None:
    _write(tmp_path, "routing.yaml", "teams: []\nrules:\n  - team: ghosts\n")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert "ghosts" in exc.value.message


def test_cli_config_check_exits_non_zero_naming_file_and_field(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "journeys.yaml",
        "journeys:\n  - name: j\n    stages:\n      - name: s\n        owner: organization\n        entry_events: [x]\n",
    )
    result = CliRunner().invoke(app, ["config", "check", "--config", str(tmp_path)])
    assert result.exit_code == 1
    assert "journeys.yaml" in result.output
    assert "sla_hours" in result.output or "journeys.0.stages.0" in result.output
    assert "Traceback" not in result.output


def test_cli_config_check_accepts_the_shipped_config() -> None:
    result = CliRunner().invoke(app, ["config", "check", "--config", str(SHIPPED), "--json"])
    assert result.exit_code == 0, result.output
    assert '"segments"' in result.output


def test_cli_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "config" in result.output


def _shipped_copy(tmp_path: Path) -> Path:
    for source in SHIPPED.glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text())
    return tmp_path


@pytest.mark.parametrize("name", ["catalogue.yaml", "journeys.yaml", "segments.yaml", "routing.yaml"])
def test_a_missing_config_file_is_a_startup_error_naming_it(tmp_path: Path, name: str) -> None:
    (_shipped_copy(tmp_path) / name).unlink()
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert exc.value.source == str(tmp_path / name)
    assert "missing" in exc.value.message


def test_a_misnamed_config_file_is_named_with_the_name_it_should_have(tmp_path: Path) -> None:
    config = _shipped_copy(tmp_path)
    (config / "routing.yaml").rename(config / "routing.yml")
    with pytest.raises(ConfigError) as exc:
        load_config(config)
    assert exc.value.source.endswith("routing.yaml")
    assert "found routing.yml: rename it to routing.yaml" in exc.value.message


def test_an_empty_config_directory_like_a_bare_opt_runs_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert exc.value.source.endswith(".yaml")


def test_the_catalogue_alone_loads_without_the_other_files_and_is_required(tmp_path: Path) -> None:
    """Webhook ingest reads only the catalogue: the other files are another function's to need."""
    from journeysync.config.files import cached_catalogue

    (tmp_path / "catalogue.yaml").write_text((SHIPPED / "catalogue.yaml").read_text())
    assert cached_catalogue(str(tmp_path)) == load_config(SHIPPED).catalogue
    (tmp_path / "catalogue.yaml").rename(tmp_path / "catalogue.yml")
    with pytest.raises(ConfigError) as exc:
        cached_catalogue(str(tmp_path) + "/")  # another directory string: not the cached one
    assert exc.value.source.endswith("catalogue.yaml") and "rename it to catalogue.yaml" in exc.value.message


def test_the_ingest_path_imports_no_configuration_but_the_catalogue() -> None:
    """What a webhook_ingest cold start imports: not journeys, segments, routing or the customer models."""
    import subprocess
    import sys

    code = ("import sys, journeysync.ingest.apigw, journeysync.ingest.wiring; "
            "print(sorted(m for m in sys.modules if m.startswith(('journeysync.config', 'journeysync.models.customer'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "journeysync.config.catalogue" in loaded
    for other in ("journeysync.config.segments", "journeysync.config.journeys", "journeysync.config.loader",
                  "journeysync.models.customer"):
        assert other not in loaded, loaded
