"""Inventory → scores → disposition → integration order.

Each scored field maps to a value in 0..1 (`Scoring.values`; `customers_impacted_annually`
on a log scale reaching 1 at `customers_full_scale`; extra dimensions by their own table or
range). An overall score is the weighted mean * 100:

    impact     = 100 · Σ wᵢ·vᵢ / Σ wᵢ   over business_impact, customer_impact,
                                         customers_impacted_annually, impact dimensions
    complexity = 100 · Σ wᵢ·vᵢ / Σ wᵢ   over implementation_profile, integration_profile,
                                         product_dependency, complexity dimensions

Disposition (thresholds default to 50): a Redundant system → *retire*; otherwise high impact
and low complexity → *integrate now*, high impact and high complexity → *integrate later*,
low impact and high complexity → *retire*, low impact and low complexity → *keep as is*.

Order: `impact-first` (default) sorts by impact descending, then complexity ascending;
`complexity-first` by complexity ascending, then impact descending; ties by name. Both
scores are monotone in their inputs, so more impact never ranks a system lower and, under
impact-first, more complexity never ranks it higher (property-tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from journeysync.inventory.connectors import connector_for
from journeysync.inventory.model import COMPLEXITY_FIELDS, IMPACT_FIELDS, Inventory, Scoring, System

Strategy = Literal["impact-first", "complexity-first"]
Disposition = Literal["integrate now", "integrate later", "retire", "keep as is"]
STRATEGIES: tuple[Strategy, ...] = ("impact-first", "complexity-first")


@dataclass(frozen=True)
class Scored:
    system: System
    impact: float  # 0..100, unrounded (the order uses these)
    complexity: float
    disposition: Disposition
    connector: str | None
    rank: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.system.name,
            "impact_score": round(self.impact, 1),
            "complexity_score": round(self.complexity, 1),
            "disposition": self.disposition,
            "rank": self.rank,
            "connector": self.connector,
        }


def field_value(system: System, field: str, scoring: Scoring) -> float:
    """0..1 for one scored field of `system`."""
    if field == "customers_impacted_annually":
        n = system.customers_impacted_annually
        return min(1.0, math.log10(n + 1) / math.log10(scoring.customers_full_scale + 1))
    label = getattr(system, field)
    return scoring.values[field][label]


def _score(system: System, scoring: Scoring, fields: tuple[str, ...], side: str) -> float:
    total = 0.0
    weights = 0.0
    for field in fields:
        weight = scoring.weights.get(field, 0.0)
        total += weight * field_value(system, field, scoring)
        weights += weight
    for dim in scoring.dimensions:
        if dim.scores != side:
            continue
        raw = system.extras.get(dim.name)
        weights += dim.weight
        if raw is not None:  # a system that does not give an extra dimension scores 0 on it
            total += dim.weight * dim.value(raw)
    return 100.0 * total / weights


def impact_score(system: System, scoring: Scoring) -> float:
    return _score(system, scoring, IMPACT_FIELDS, "impact")


def complexity_score(system: System, scoring: Scoring) -> float:
    return _score(system, scoring, COMPLEXITY_FIELDS, "complexity")


def disposition(system: System, impact: float, complexity: float, scoring: Scoring) -> Disposition:
    if system.business_impact == "Redundant":
        return "retire"
    high_impact = impact >= scoring.thresholds.impact
    high_complexity = complexity >= scoring.thresholds.complexity
    if high_impact:
        return "integrate later" if high_complexity else "integrate now"
    return "retire" if high_complexity else "keep as is"


def order_key(item: Scored, strategy: Strategy) -> tuple[float, float, str]:
    if strategy == "complexity-first":
        return (item.complexity, -item.impact, item.system.name)
    return (-item.impact, item.complexity, item.system.name)


def score_inventory(inventory: Inventory, strategy: Strategy = "impact-first") -> list[Scored]:
    """Every system scored, in integration order (rank 1 first)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    scoring = inventory.scoring
    items = []
    for system in inventory.systems:
        impact = impact_score(system, scoring)
        complexity = complexity_score(system, scoring)
        items.append(
            Scored(system, impact, complexity, disposition(system, impact, complexity, scoring), connector_for(system))
        )
    items.sort(key=lambda item: order_key(item, strategy))
    return [
        Scored(i.system, i.impact, i.complexity, i.disposition, i.connector, rank=n)
        for n, i in enumerate(items, start=1)
    ]
