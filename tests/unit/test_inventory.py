"""The inventory scorecard: validation names system and field, the example scores, and the order is monotonic."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from journeysync.inventory import InventoryError, load_inventory, parse_inventory, score_inventory
from journeysync.inventory.model import DEFAULT_VALUES
from journeysync_cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "infra" / "config" / "inventory.example.yaml"

# labels from least to most impact / complexity
IMPACT_LEVELS = {
    "business_impact": ["Redundant", "Supportive", "Critical"],
    "customer_impact": ["Few Customers", "Some Customers", "Most Customers", "All Customers"],
}
COMPLEXITY_LEVELS = {
    "implementation_profile": ["Licensed Service", "Licensed System", "Custom System"],
    "integration_profile": ["Fully-Accessible", "Partially-Accessible", "Inaccessible"],
    "product_dependency": ["Uncoupled", "Loosely-Coupled", "Tightly-Coupled"],
}


def _system(name: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": name,
        "business_leader": "Head of X",
        "technical_leader": "IT",
        "business_function": "does things",
        "business_impact": "Supportive",
        "customer_impact": "Some Customers",
        "customers_impacted_annually": 1000,
        "implementation_profile": "Licensed System",
        "integration_profile": "Partially-Accessible",
        "product_dependency": "Loosely-Coupled",
    }
    return {**base, **fields}


def test_the_example_museum_inventory_scores_with_connectors() -> None:
    scored = {s.system.name: s.to_json() for s in score_inventory(load_inventory(EXAMPLE))}
    assert scored["Till (Square POS)"]["connector"] == "webhook:square"
    assert scored["Membership CRM"]["connector"] == "crm:hubspot"
    assert scored["Newsletter platform"]["connector"] == "email:mailchimp+webhook:mailchimp"
    assert scored["Gift Aid spreadsheet"]["disposition"] == "retire"
    assert scored["Gift Aid spreadsheet"]["connector"] is None
    assert scored["Cinema box office"]["disposition"] == "integrate later"
    assert scored["Membership CRM"]["rank"] == 1
    assert {s["disposition"] for s in scored.values()} == {"integrate now", "integrate later", "keep as is", "retire"}


def test_the_formula_on_a_worked_example() -> None:
    inv = parse_inventory({"systems": [_system("A", customers_impacted_annually=1_000_000)]})
    (a,) = score_inventory(inv)
    # impact: (0.4*0.5 + 0.3*0.5 + 0.3*1.0) / 1.0 = 0.65; complexity: (0.3*0.5 + 0.45*0.5 + 0.25*0.5) / 1.0 = 0.5
    assert (round(a.impact, 6), round(a.complexity, 6), a.disposition) == (65.0, 50.0, "integrate later")


def test_cli_json_is_exactly_the_documented_shape_in_rank_order() -> None:
    result = CliRunner().invoke(app, ["inventory", "score", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert all(list(r) == ["name", "impact_score", "complexity_score", "disposition", "rank", "connector"] for r in rows)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    other = json.loads(
        CliRunner().invoke(app, ["inventory", "score", str(EXAMPLE), "--json", "--strategy", "complexity-first"]).output
    )
    assert [r["complexity_score"] for r in other] == sorted(r["complexity_score"] for r in other)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"business_impact": "Huge"}, "system 'B' (systems.1): business_impact: Input should be"),
        ({"customers_impacted_annually": -3}, "system 'B' (systems.1): customers_impacted_annually:"),
        ({"annual_cost": "High"}, "system 'B' (systems.1): annual_cost: not a system field or declared dimension"),
        ({"connector": "webhook:nope"}, "system 'B' (systems.1): connector: unknown connector"),
    ],
)
def test_an_invalid_value_names_the_system_and_the_field(change: dict[str, object], expected: str) -> None:
    with pytest.raises(InventoryError) as err:
        parse_inventory({"systems": [_system("A"), _system("B", **change)]}, "museum.yaml")
    assert str(err.value).startswith(f"museum.yaml: {expected}")
    assert err.value.system == "B"


def test_cli_reports_an_invalid_file_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "inv.yaml"
    bad.write_text("systems:\n  - {name: Till, business_impact: Critical}\n")
    result = CliRunner().invoke(app, ["inventory", "score", str(bad)])
    assert result.exit_code == 1
    assert "system 'Till' (systems.0): business_leader: Field required" in result.output
    assert "Traceback" not in result.output


def test_weights_and_extra_dimensions_from_the_file_override_the_defaults() -> None:
    raw = {
        "weights": {"customers_impacted_annually": 0},
        "dimensions": [{"name": "cost", "scores": "complexity", "weight": 1.0, "min": 0, "max": 100000}],
        "systems": [_system("A", cost=100000), _system("B", cost=0)],
    }
    by = {s.system.name: s for s in score_inventory(parse_inventory(raw))}
    assert by["A"].complexity > by["B"].complexity
    assert by["A"].impact == by["B"].impact == pytest.approx(50.0)


_levels = st.fixed_dictionaries(
    {
        **{k: st.integers(0, len(v) - 1) for k, v in IMPACT_LEVELS.items()},
        **{k: st.integers(0, len(v) - 1) for k, v in COMPLEXITY_LEVELS.items()},
        "customers_impacted_annually": st.integers(0, 2_000_000),
    }
)


def _to_system(name: str, levels: dict[str, int]) -> dict[str, object]:
    fields: dict[str, object] = {k: v[levels[k]] for k, v in {**IMPACT_LEVELS, **COMPLEXITY_LEVELS}.items()}
    fields["customers_impacted_annually"] = levels["customers_impacted_annually"]
    return _system(name, **fields)


def _rank(systems: list[dict[str, object]], name: str, strategy: str = "impact-first") -> int:
    scored = score_inventory(parse_inventory({"systems": systems}), strategy)  # type: ignore[arg-type]
    return next(s.rank for s in scored if s.system.name == name)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_levels, min_size=1, max_size=6),
    st.sampled_from([*IMPACT_LEVELS, "customers_impacted_annually"]),
    st.sampled_from(["impact-first", "complexity-first"]),
)
def test_more_impact_never_ranks_a_system_lower(others: list[dict[str, int]], field: str, strategy: str) -> None:
    mine = others[0]
    systems = [_to_system("target", mine)] + [_to_system(f"s{i}", o) for i, o in enumerate(others[1:])]
    better = copy.deepcopy(mine)
    if field == "customers_impacted_annually":
        better[field] = mine[field] + 1000
    else:
        better[field] = min(mine[field] + 1, len(IMPACT_LEVELS[field]) - 1)
    improved = [_to_system("target", better), *systems[1:]]
    assert _rank(improved, "target", strategy) <= _rank(systems, "target", strategy)


@settings(max_examples=60, deadline=None)
@given(st.lists(_levels, min_size=1, max_size=6), st.sampled_from(list(COMPLEXITY_LEVELS)))
def test_more_complexity_never_ranks_a_system_higher_under_impact_first(others: list[dict[str, int]], field: str) -> None:
    mine = others[0]
    systems = [_to_system("target", mine)] + [_to_system(f"s{i}", o) for i, o in enumerate(others[1:])]
    harder = copy.deepcopy(mine)
    harder[field] = min(mine[field] + 1, len(COMPLEXITY_LEVELS[field]) - 1)
    worse = [_to_system("target", harder), *systems[1:]]
    assert _rank(worse, "target") >= _rank(systems, "target")


def test_value_tables_cover_every_label() -> None:
    for field, levels in {**IMPACT_LEVELS, **COMPLEXITY_LEVELS}.items():
        assert set(DEFAULT_VALUES[field]) == set(levels)
        values = [DEFAULT_VALUES[field][label] for label in levels]
        assert values == sorted(values), field
