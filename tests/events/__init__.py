"""Canonical vendor webhook payloads (authored from each vendor's docs), loaded by one helper.

`tests/events/<vendor>/<name>.json` (Mailchimp: `.txt` form bodies) are deliveries;
`tests/events/<vendor>/api/<name>.json` are what the vendor's API answers the enrichment step.
A sample's `headers` are the unsigned headers the vendor adds (Shopify's topic, from the file name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent
SQUARE_URL = "https://hooks.example.org/webhooks/square"


@dataclass(frozen=True)
class Sample:
    vendor: str
    name: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""

    @property
    def id(self) -> str:
        return f"{self.vendor}/{self.name}"

    def json(self) -> Any:
        return json.loads(self.body)


def _headers(vendor: str, name: str) -> dict[str, str]:
    if vendor == "shopify":
        return {"x-shopify-topic": name.replace("-", "/", 1).removesuffix("-confirmed").removesuffix("-renewal")}
    return {}


def load_sample(vendor: str, name: str) -> Sample:
    path = next(p for p in (ROOT / vendor / f"{name}.json", ROOT / vendor / f"{name}.txt") if p.exists())
    return Sample(vendor, name, path.read_bytes(), _headers(vendor, name), SQUARE_URL if vendor == "square" else "")


def samples(vendor: str) -> list[Sample]:
    """Every delivery sample of `vendor` (not the API answers under api/)."""
    paths = sorted([*(ROOT / vendor).glob("*.json"), *(ROOT / vendor).glob("*.txt")])
    return [load_sample(vendor, p.stem) for p in paths]


def api_answer(vendor: str, name: str) -> Any:
    return json.loads((ROOT / vendor / "api" / f"{name}.json").read_text())
