"""docs/benchmarks.json: the headline figures as one object of numbers, from the benchmarks' own rows.

Each key comes from a benchmark's measured row (or its `RESULTS`); a benchmark not run this time keeps
the value of its last run (its rows in docs/benchmarks.md). The year-three figures add what history
costs the profile store (bench_store: the same day of events for new members and for members with
three years of history) to the all-hops figures of bench_cost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.prices import USD_PER_MILLION_REQUESTS

Row = tuple[str, float, str]

FROM_ROWS: dict[str, tuple[str, str]] = {
    "freshness_profile_p95_ms": ("freshness", "webhook → profile updated p95"),
    "freshness_destination_p95_ms": ("freshness", "webhook → email destination updated p95"),
    "hubspot_calls_per_1000_changes": ("hubspot", "HubSpot batch upsert calls per 1,000 changes"),
    "mailchimp_calls_per_1000_changes": ("crm_to_email", "mailchimp calls per 1,000 booking → tag swap"),
    "reconcile_1m_seconds": ("reconcile", "diff 1M members: time"),
    "reconcile_1m_peak_mb": ("reconcile", "diff 1M members: peak RSS"),
}
_COLD_SUFFIX = " vs baseline"


def previous_rows(path: Path) -> list[tuple[str, str, str, str]]:
    """The table rows of an earlier docs/benchmarks.md (benchmark, figure, value, unit)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        raw_cells = line.strip().strip("|").split("|")
        cells = [c.strip() for c in raw_cells]
        if len(cells) == 4 and cells[0] not in ("benchmark", "---") and not cells[0].startswith("-"):
            figure = raw_cells[1].removeprefix(" ").rstrip()  # a sub-figure's indent is part of its name
            rows.append((cells[0], figure, cells[2], cells[3]))
    return rows


def previous_date(path: Path) -> str:
    """The date an earlier docs/benchmarks.md says its undated rows were measured."""
    import re

    found = re.search(r"(?:Measured|Last run) (\d{4}-\d\d-\d\d)", path.read_text(encoding="utf-8")) if path.exists() else None
    return found.group(1) if found else "earlier"


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _rows_by_module(raw: dict[str, list[Row]], md: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for bench, figure, value, _unit in previous_rows(md):
        number = _number(value)
        if number is not None:
            out.setdefault(bench.split(" (")[0], {})[figure] = number
    for module, rows in raw.items():
        out[module] = {figure: float(value) for figure, value, _unit in rows}
    return out


def summarise(raw: dict[str, list[Row]], results: dict[str, dict[str, Any]], json_path: Path) -> dict[str, Any]:
    """The headline object: last values, updated by this run's rows and RESULTS."""
    summary: dict[str, Any] = json.loads(json_path.read_text()) if json_path.exists() else {}
    rows = _rows_by_module(raw, json_path.with_suffix(".md"))

    def take(key: str, module: str) -> bool:
        # a module not run this time keeps its figure from the last JSON, unrounded; the table is the fallback
        return module in raw or key not in summary

    for key, (module, figure) in FROM_ROWS.items():
        if figure in rows.get(module, {}) and take(key, module):
            summary[key] = rows[module][figure]
    cold = {f.removesuffix(_COLD_SUFFIX): v for f, v in rows.get("cold_start", {}).items() if f.endswith(_COLD_SUFFIX)}
    if isinstance(results.get("cold_start", {}).get("cold_start_ratio"), dict):
        cold = dict(results["cold_start"]["cold_start_ratio"])
    if cold and take("cold_start_ratio", "cold_start"):
        summary["cold_start_ratio"] = {k: float(v) for k, v in sorted(cold.items())}
    floors = {f.split()[2]: v for f, v in rows.get("cold_start", {}).items() if f.startswith("floor for ")}
    if floors and take("cold_start_floor_ratio", "cold_start"):
        summary["cold_start_floor_ratio"] = {k: float(v) for k, v in sorted(floors.items())}
    for module in ("cost", "store"):
        summary.update({k: float(v) for k, v in results.get(module, {}).items()})
    _year_three(summary)
    return summary


def _year_three(summary: dict[str, Any]) -> None:
    needed = ("dynamodb_wru_per_event", "dynamodb_rru_per_event", "cost_usd_per_million_events",
              "store_wru_per_event", "store_wru_per_event_year3", "store_rru_per_event", "store_rru_per_event_year3")
    if not all(k in summary for k in needed):
        return
    extra_wru = summary["store_wru_per_event_year3"] - summary["store_wru_per_event"]
    extra_rru = summary["store_rru_per_event_year3"] - summary["store_rru_per_event"]
    summary["dynamodb_wru_per_event_year3"] = summary["dynamodb_wru_per_event"] + extra_wru
    summary["cost_usd_per_million_events_year3"] = (
        summary["cost_usd_per_million_events"]
        + extra_wru * USD_PER_MILLION_REQUESTS["dynamodb-wru"]
        + extra_rru * USD_PER_MILLION_REQUESTS["dynamodb-rru"]
    )


def write_json(path: Path, summary: dict[str, Any]) -> None:
    ordered = dict(sorted(summary.items()))
    path.write_text(json.dumps(ordered, indent=2, sort_keys=False) + "\n", encoding="utf-8")
