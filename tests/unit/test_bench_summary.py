"""docs/benchmarks.json keeps each figure as measured: a benchmark not run this time keeps its last value unrounded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.summary import summarise

TABLE = """| benchmark | figure | value | unit |
|---|---|---|---|
| freshness | webhook → profile updated p95 | 137 | ms |
| cold_start | ingest vs baseline | 1.68 | ratio |
| cold_start | floor for http handlers, libraries alone | 1.25 | ratio |
"""


def _docs(tmp_path: Path) -> Path:
    path = tmp_path / "benchmarks.json"
    last = {
        "freshness_profile_p95_ms": 136.75284385681152,
        "cold_start_ratio": {"ingest": 1.6805343461417102},
        "cold_start_floor_ratio": {"http": 1.2512686867994904},
    }
    path.write_text(json.dumps(last), encoding="utf-8")
    path.with_suffix(".md").write_text(TABLE, encoding="utf-8")
    return path


def test_figures_of_benchmarks_not_run_keep_their_unrounded_values(tmp_path: Path) -> None:
    path = _docs(tmp_path)
    summary = summarise({"reconcile": [("diff 1M members: peak RSS", 31.2, "MB")]}, {}, path)
    assert summary["freshness_profile_p95_ms"] == 136.75284385681152
    assert summary["cold_start_ratio"] == {"ingest": 1.6805343461417102}
    assert summary["cold_start_floor_ratio"] == {"http": 1.2512686867994904}
    assert summary["reconcile_1m_peak_mb"] == 31.2


def test_a_benchmark_run_this_time_replaces_its_figures(tmp_path: Path) -> None:
    path = _docs(tmp_path)
    raw = {
        "freshness": [("webhook → profile updated p95", 128.5, "ms")],
        "cold_start": [("ingest vs baseline", 1.7, "ratio"), ("floor for http handlers, libraries alone", 1.3, "ratio")],
    }
    summary = summarise(raw, {}, path)
    assert summary["freshness_profile_p95_ms"] == 128.5
    assert summary["cold_start_ratio"] == {"ingest": 1.7}
    assert summary["cold_start_floor_ratio"] == {"http": 1.3}


def test_a_figure_missing_from_the_json_is_taken_from_the_table(tmp_path: Path) -> None:
    path = _docs(tmp_path)
    path.write_text("{}", encoding="utf-8")
    summary = summarise({}, {}, path)
    assert summary["freshness_profile_p95_ms"] == 137
    assert summary["cold_start_ratio"] == {"ingest": 1.68}


def test_a_sub_figures_indent_survives_a_rewrite_of_the_table(tmp_path: Path) -> None:
    from bench.summary import previous_rows

    path = tmp_path / "benchmarks.md"
    path.write_text(TABLE + "| engagement |   PutItem per SES event | 1.00 | requests |\n", encoding="utf-8")
    assert ("engagement", "  PutItem per SES event", "1.00", "requests") in previous_rows(path)
    assert ("freshness", "webhook → profile updated p95", "137", "ms") in previous_rows(path)


def test_an_unknown_benchmark_name_is_one_line_and_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    docs = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
    before = docs.read_bytes()
    assert main(["freshnes"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no benchmark named freshnes" in err[0] and "freshness" in err[0]
    assert docs.read_bytes() == before
