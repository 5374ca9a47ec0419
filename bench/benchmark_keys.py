"""Merge named figures into docs/benchmarks.json, keeping every key another benchmark wrote there."""

from __future__ import annotations

import json
from pathlib import Path

BENCHMARKS_JSON = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.json"


def merge_keys(values: dict[str, float], path: Path = BENCHMARKS_JSON) -> dict[str, object]:
    """Set `values` in the JSON object at `path` (created if missing); returns the whole document."""
    document: dict[str, object] = json.loads(path.read_text()) if path.exists() else {}
    document.update({key: round(value, 2) for key, value in values.items()})
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return document
