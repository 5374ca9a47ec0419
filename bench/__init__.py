"""Benchmarks: run by `make bench` (python -m bench), never by `make test`.

Each `bench_<topic>.py` module exposes `run() -> list[tuple[str, float, str]]`
(figure, value, unit). Figures are printed as a table and written to
docs/benchmarks.md; where possible they are ratios against a baseline measured
in the same process, so they mean the same on a slower machine.
"""
