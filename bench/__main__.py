"""Run every bench_*.py module (or the ones named on the command line); write docs/benchmarks.md and .json.

`python -m bench store cost` runs two modules; the rows and keys of modules not run this time are
kept from the last run (the table says when each was measured). docs/benchmarks.json is one object
of numbers (`cold_start_ratio` an object of numbers per function, `cold_start_floor_ratio` one per kind of
handler: what its libraries alone cost), built by `bench.summary`.
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import bench

Row = tuple[str, float, str]


def _modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n in selected or n.removeprefix("bench_") in selected]
    return names


def _fmt(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def main(argv: list[str]) -> int:
    from bench.summary import previous_date, previous_rows, summarise, write_json

    docs = Path(__file__).resolve().parents[1] / "docs"
    rows: list[tuple[str, str, str, str]] = []
    raw: dict[str, list[Row]] = {}
    failures = 0
    ran: list[str] = []
    unknown = [a for a in argv if not _modules([a])]
    if unknown:
        known = ", ".join(n.removeprefix("bench_") for n in _modules([]))
        print(f"bench: no benchmark named {', '.join(unknown)}; choose from {known}", file=sys.stderr)
        return 2
    for name in _modules(argv):
        started = time.perf_counter()
        print(f"==> {name}", flush=True)
        try:
            results: list[Row] = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:  # a broken benchmark is reported, the others still run
            failures += 1
            print(f"    FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        ran.append(name.removeprefix("bench_"))
        raw[name.removeprefix("bench_")] = results
        module = sys.modules[f"bench.{name}"]
        results_of = getattr(module, "RESULTS", None)
        if isinstance(results_of, dict):
            globals_results[name.removeprefix("bench_")] = dict(results_of)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        for figure, value, unit in results:
            rows.append((f"{name.removeprefix('bench_')} ({stamp})", figure, _fmt(value), unit))
            print(f"    {figure:<58} {_fmt(value):>14} {unit}", flush=True)
        print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)
    out = docs / "benchmarks.md"
    kept = [r for r in previous_rows(out) if r[0].split(" (")[0] not in ran]
    kept = [(b if " (" in b else f"{b} ({previous_date(out)})", f, v, u) for b, f, v, u in kept]
    header = [
        "# Benchmarks",
        "",
        f"Last run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, {_cpus()} cores: {', '.join(ran) or 'nothing'} "
        "(each benchmark's date is beside its name). Reproduce with `make bench`, or one benchmark with "
        "`python -m bench <name>`; `docs/benchmarks.json` holds the headline figures as numbers.",
        "",
        "| benchmark | figure | value | unit |",
        "|---|---|---:|---|",
    ]
    lines = header + [f"| {b} | {f} | {v} | {u} |" for b, f, v, u in sorted(kept + rows, key=lambda r: r[0])]
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = summarise(raw, globals_results, docs / "benchmarks.json")
    write_json(docs / "benchmarks.json", summary)
    print("==> headline figures (docs/benchmarks.json)")
    for key, value in summary.items():
        print(f"    {key:<44} {value}")
    print(f"==> wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out} and benchmarks.json")
    return 1 if failures else 0


globals_results: dict[str, dict[str, object]] = {}


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
