"""Run every bench_*.py module (or the ones named on the command line) and write docs/benchmarks.md."""

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
    rows: list[tuple[str, str, str, str]] = []
    failures = 0
    for name in _modules(argv):
        started = time.perf_counter()
        print(f"==> {name}", flush=True)
        try:
            results: list[Row] = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:  # a broken benchmark is reported, the others still run
            failures += 1
            print(f"    FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        for figure, value, unit in results:
            rows.append((name.removeprefix("bench_"), figure, _fmt(value), unit))
            print(f"    {figure:<58} {_fmt(value):>14} {unit}", flush=True)
        print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)
    header = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, {_cpus()} cores. Reproduce with `make bench`.",
        "",
        "| benchmark | figure | value | unit |",
        "|---|---|---:|---|",
    ]
    lines = header + [f"| {b} | {f} | {v} | {u} |" for b, f, v, u in rows]
    out = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"==> wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 1 if failures else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
