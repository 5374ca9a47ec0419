"""The system inventory: what an organisation runs, who leads it, and how it scores.

The file is YAML with `systems:` (one entry per system) and optional `weights:`,
`values:`, `thresholds:` and `dimensions:` overriding the shipped defaults (`DEFAULTS`).
Every system is validated on its own, so an error names the system and the field:
`inventory.yaml: system 'Box office till' (systems.2): business_impact: Input should be ...`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from journeysync.errors import ConfigError
from journeysync.models.validation import first_error_field

BusinessImpact = Literal["Critical", "Supportive", "Redundant"]
CustomerImpact = Literal["All Customers", "Most Customers", "Some Customers", "Few Customers"]
ImplementationProfile = Literal["Licensed Service", "Licensed System", "Custom System"]
IntegrationProfile = Literal["Fully-Accessible", "Partially-Accessible", "Inaccessible"]
ProductDependency = Literal["Tightly-Coupled", "Loosely-Coupled", "Uncoupled"]
Scores = Literal["impact", "complexity"]

IMPACT_FIELDS = ("business_impact", "customer_impact", "customers_impacted_annually")
COMPLEXITY_FIELDS = ("implementation_profile", "integration_profile", "product_dependency")


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dimension(_Cfg):
    """An extra scored dimension (e.g. annual cost): systems give it by name, as a label or a number.

    A label is looked up in `values` (0 = least impact / least complex, 1 = most); a number
    is scaled linearly from `min` (0) to `max` (1) and clamped.
    """

    name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    scores: Scores
    weight: float = Field(ge=0)
    values: dict[str, float] = Field(default_factory=dict)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _labels_or_range(self) -> Dimension:
        if not self.values and (self.min is None or self.max is None):
            raise ValueError("a dimension needs `values` (label → 0..1) or `min` and `max`")
        if self.min is not None and self.max is not None and self.max <= self.min:
            raise ValueError("max must be greater than min")
        if any(not 0 <= v <= 1 for v in self.values.values()):
            raise ValueError("values must lie between 0 and 1")
        return self

    def value(self, raw: object) -> float:
        """0..1 for a system's raw value; ValueError names what is allowed."""
        if isinstance(raw, str) and raw in self.values:
            return self.values[raw]
        if isinstance(raw, int | float) and not isinstance(raw, bool) and self.min is not None and self.max is not None:
            return min(1.0, max(0.0, (float(raw) - self.min) / (self.max - self.min)))
        allowed = ", ".join(repr(k) for k in self.values) if self.values else ""
        if self.min is not None and self.max is not None:
            allowed = f"{allowed} or a number" if allowed else f"a number ({self.min}..{self.max})"
        raise ValueError(f"Input should be {allowed}")


class Thresholds(_Cfg):
    """Scores (0-100) at or above which impact / complexity count as high."""

    impact: float = Field(default=50.0, ge=0, le=100)
    complexity: float = Field(default=50.0, ge=0, le=100)


# Shipped defaults. Values are 0..1 (1 = most impact / most complex); weights are relative.
DEFAULT_VALUES: dict[str, dict[str, float]] = {
    "business_impact": {"Critical": 1.0, "Supportive": 0.5, "Redundant": 0.0},
    "customer_impact": {"All Customers": 1.0, "Most Customers": 0.75, "Some Customers": 0.5, "Few Customers": 0.25},
    "implementation_profile": {"Licensed Service": 0.2, "Licensed System": 0.5, "Custom System": 1.0},
    "integration_profile": {"Fully-Accessible": 0.0, "Partially-Accessible": 0.5, "Inaccessible": 1.0},
    "product_dependency": {"Uncoupled": 0.0, "Loosely-Coupled": 0.5, "Tightly-Coupled": 1.0},
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "business_impact": 0.4,
    "customer_impact": 0.3,
    "customers_impacted_annually": 0.3,
    "implementation_profile": 0.3,
    "integration_profile": 0.45,
    "product_dependency": 0.25,
}
CUSTOMERS_FULL_SCALE = 1_000_000  # customers_impacted_annually scores 1.0 here (log scale), 0 at none


class Scoring(_Cfg):
    """Weights, value tables, thresholds and extra dimensions (defaults shipped, file overrides merge in)."""

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    values: dict[str, dict[str, float]] = Field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_VALUES.items()})
    customers_full_scale: int = Field(default=CUSTOMERS_FULL_SCALE, gt=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    dimensions: tuple[Dimension, ...] = ()

    @model_validator(mode="after")
    def _known_keys(self) -> Scoring:
        known = set(IMPACT_FIELDS) | set(COMPLEXITY_FIELDS)
        for key, weight in self.weights.items():
            if key not in known:
                raise ValueError(f"weights.{key}: not a scored field (extra dimensions carry their own weight)")
            if weight < 0:
                raise ValueError(f"weights.{key}: must be ≥ 0")
        for key, table in self.values.items():
            if key not in DEFAULT_VALUES:
                raise ValueError(f"values.{key}: not a labelled field")
            unknown = set(table) - set(DEFAULT_VALUES[key])
            if unknown:
                raise ValueError(f"values.{key}: unknown label {sorted(unknown)[0]!r}")
            if any(not 0 <= v <= 1 for v in table.values()):
                raise ValueError(f"values.{key}: values must lie between 0 and 1")
        names = [d.name for d in self.dimensions]
        if len(names) != len(set(names)):
            raise ValueError("dimensions: names must be unique")
        clash = set(names) & (known | set(System.model_fields))
        if clash:
            raise ValueError(f"dimensions: {sorted(clash)[0]!r} is already a system field")
        for side in ("impact", "complexity"):
            fields = IMPACT_FIELDS if side == "impact" else COMPLEXITY_FIELDS
            total = sum(self.weights.get(f, 0.0) for f in fields) + sum(
                d.weight for d in self.dimensions if d.scores == side
            )
            if total <= 0:
                raise ValueError(f"weights: the {side} weights add up to 0")
        return self

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)


class System(BaseModel):
    """One system of the inventory. Keys other than these must be declared `dimensions`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1)
    business_leader: str = Field(min_length=1)
    technical_leader: str = Field(min_length=1)
    business_function: str = Field(min_length=1)
    business_impact: BusinessImpact
    customer_impact: CustomerImpact
    customers_impacted_annually: int = Field(ge=0)
    implementation_profile: ImplementationProfile
    integration_profile: IntegrationProfile
    product_dependency: ProductDependency
    product: str | None = Field(default=None, description="the vendor product, e.g. Square (finds the connector)")
    connector: str | None = Field(default=None, description="override: a journeysync connector id, or 'none'")

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Inventory(_Cfg):
    systems: tuple[System, ...]
    scoring: Scoring = Field(default_factory=Scoring)


class InventoryError(ConfigError):
    """An invalid inventory file: names the system (and its position) and the field."""

    def __init__(self, source: str, field: str, message: str, system: str | None = None) -> None:
        self.system = system
        super().__init__(source, field, message)


def _scoring(raw: Mapping[str, Any], source: str) -> Scoring:
    data: dict[str, Any] = {}
    if "weights" in raw:
        if not isinstance(raw["weights"], dict):
            raise InventoryError(source, "weights", "expected a mapping of field → weight")
        data["weights"] = {**DEFAULT_WEIGHTS, **raw["weights"]}
    if "values" in raw:
        if not isinstance(raw["values"], dict):
            raise InventoryError(source, "values", "expected a mapping of field → {label: value}")
        merged = {k: dict(v) for k, v in DEFAULT_VALUES.items()}
        for key, table in raw["values"].items():
            if not isinstance(table, dict):
                raise InventoryError(source, f"values.{key}", "expected a mapping of label → value")
            merged.setdefault(str(key), {}).update(table)
        data["values"] = merged
    for key in ("thresholds", "dimensions", "customers_full_scale"):
        if key in raw:
            data[key] = raw[key]
    try:
        return Scoring.model_validate(data)
    except ValidationError as exc:
        field, message = first_error_field(exc)
        if field == "(root)" and ": " in message:
            field, _, message = message.partition(": ")
        raise InventoryError(source, field, message) from None


def _system(index: int, raw: object, scoring: Scoring, source: str) -> System:
    label = f"systems.{index}"
    if not isinstance(raw, dict):
        raise InventoryError(source, label, "expected a mapping with name, business_impact, …")
    name = raw.get("name")
    who = f"system {name!r} ({label})" if isinstance(name, str) and name else label

    def error(field: str, message: str) -> InventoryError:
        return InventoryError(source, f"{who}: {field}", message, system=name if isinstance(name, str) else None)

    try:
        system = System.model_validate(raw)
    except ValidationError as exc:
        field, message = first_error_field(exc)
        raise error(field, message) from None
    for key, value in system.extras.items():
        dim = scoring.dimension(key)
        if dim is None:
            declared = ", ".join(d.name for d in scoring.dimensions) or "none declared"
            raise error(key, f"not a system field or declared dimension (dimensions: {declared})")
        try:
            dim.value(value)
        except ValueError as exc:
            raise error(key, str(exc)) from None
    if system.connector is not None:
        from journeysync.inventory.connectors import CONNECTORS

        if system.connector != "none" and system.connector not in CONNECTORS:
            raise error("connector", f"unknown connector; known: {', '.join(sorted(CONNECTORS))} or 'none'")
    return system


def parse_inventory(raw: object, source: str = "inventory") -> Inventory:
    """Validate a parsed YAML document; InventoryError names the system and the field."""
    if not isinstance(raw, dict):
        raise InventoryError(source, "(root)", "expected a mapping with `systems:`")
    unknown = set(raw) - {"systems", "weights", "values", "thresholds", "dimensions", "customers_full_scale"}
    if unknown:
        raise InventoryError(source, sorted(unknown)[0], "unknown top-level key")
    systems = raw.get("systems")
    if not isinstance(systems, list) or not systems:
        raise InventoryError(source, "systems", "expected a non-empty list of systems")
    scoring = _scoring(raw, source)
    parsed = tuple(_system(i, s, scoring, source) for i, s in enumerate(systems))
    names = [s.name for s in parsed]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise InventoryError(source, f"system {name!r} (systems.{i}): name", "duplicate system name", system=name)
    return Inventory(systems=parsed, scoring=scoring)


def load_inventory(path: Path | str) -> Inventory:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InventoryError(str(path), "(file)", "no such file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        raise InventoryError(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_inventory(raw, str(path))
