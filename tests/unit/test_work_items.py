"""stage_action planning (pure): which organisation-owned stages ask for an item, when one closes, and that
a redelivered change never asks for a second item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from journeysync.config.loader import load_config
from journeysync.models.changes import Cause, ProfileChanged
from journeysync.models.customer import Customer, JourneyPosition, StageVisit
from journeysync.profile.publish import profile_changed
from journeysync.work.changes import read_change
from journeysync.work.model import WorkItem
from journeysync.work.notify import render
from journeysync.work.stages import plan_stage_actions

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = load_config(ROOT / "infra" / "config").journeys
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
STAGES = [("membership", s.name) for s in JOURNEYS.journeys[0].stages] + [
    ("visit_feedback", s.name) for s in JOURNEYS.journeys[1].stages]


def _change(positions: dict[str, tuple[str, datetime]], *, forgotten: bool = False) -> ProfileChanged:
    after = {
        "identity": {"emails": ["ann@example.org"], "primary_email": "ann@example.org"},
        "profile": {"given_name": "Ann", "membership": {"status": "active", "tier": "family"}},
        "journeys": {j: {"journey": j, "stage": s, "entered_at": at.isoformat()} for j, (s, at) in positions.items()},
    }
    return ProfileChanged(customer_id="c1", version=2, at=NOW, forgotten=forgotten, after=after,
                          causes=[Cause(id="e1", type="membership.purchased", source="tills")])


def test_entering_joined_asks_the_membership_team_with_the_members_context() -> None:
    plan = plan_stage_actions(read_change(_change({"membership": ("joined", NOW)})), JOURNEYS, [], NOW)
    [item] = plan.create
    assert (item.kind, item.team, item.title, item.sla_due_at) == (
        "stage_action", "membership", "membership: joined", NOW + timedelta(hours=48))
    assert item.context["What happened"] == "membership.purchased"
    assert item.context["What the stage expects"].startswith("Welcome call")
    message = render(item)
    assert message.subject == "[membership] Action needed: Ann - membership: joined"
    assert "active, family" in message.text and "<script" not in message.html


def test_a_member_owned_stage_asks_for_nothing_and_moving_on_closes_the_open_item() -> None:
    [item] = plan_stage_actions(read_change(_change({"membership": ("joined", NOW)})), JOURNEYS, [], NOW).create
    moved = plan_stage_actions(read_change(_change({"membership": ("first_visit", NOW)})), JOURNEYS, [item], NOW)
    assert moved.create == [] and moved.close == [item]
    claimed = item.model_copy(update={"status": "claimed"})
    assert plan_stage_actions(read_change(_change({})), JOURNEYS, [claimed], NOW).close == [claimed]
    done = item.model_copy(update={"status": "resolved"})
    assert plan_stage_actions(read_change(_change({})), JOURNEYS, [done], NOW).close == []


def test_a_forgotten_member_asks_for_nothing_and_their_open_items_close() -> None:
    [item] = plan_stage_actions(read_change(_change({"membership": ("joined", NOW)})), JOURNEYS, [], NOW).create
    plan = plan_stage_actions(read_change(_change({"membership": ("joined", NOW)}, forgotten=True)), JOURNEYS, [item], NOW)
    assert plan.create == [] and plan.close == [item]


@given(st.lists(st.tuples(st.sampled_from(STAGES), st.integers(1, 1000)), min_size=1, max_size=6))
def test_replaying_any_change_asks_for_nothing_new_and_open_items_match_org_stages(
    moves: list[tuple[tuple[str, str], int]],
) -> None:
    items: list[WorkItem] = []
    elapsed = 0
    for (journey, stage), gap in moves:  # each move enters a stage later than the one before
        elapsed += gap
        change = _change({journey: (stage, NOW + timedelta(minutes=elapsed))})
        for _ in range(2):  # a redelivery
            plan = plan_stage_actions(read_change(change), JOURNEYS, items, NOW)
            closing = {i.id for i in plan.close}
            items = [i.model_copy(update={"status": "closed"}) if i.id in closing else i for i in items] + plan.create
        again = plan_stage_actions(read_change(change), JOURNEYS, items, NOW)
        assert again.create == [] and again.close == []
        open_items = [i for i in items if i.status == "open"]
        config = JOURNEYS.get(journey).stage(stage)  # type: ignore[union-attr]
        assert config is not None
        assert len(open_items) == (1 if config.owner == "organization" and config.action else 0)
    assert len({i.id for i in items}) == len(items)


def test_the_report_counts_each_kind_by_team_with_claims_inside_the_sla_and_the_median_time_to_claim() -> None:
    from journeysync.analytics.work import work_stats

    def item(n: int, kind: str, team: str, claim_after_h: float | None, status: str = "open") -> WorkItem:
        return WorkItem(id=f"w{n}", kind=kind, customer_id="c", team=team, title="t", status=status,  # type: ignore[arg-type]
                        created_at=NOW, sla_due_at=NOW + timedelta(hours=24),
                        claimed_at=NOW + timedelta(hours=claim_after_h) if claim_after_h is not None else None)

    stats = {k.kind: k for k in work_stats([
        item(1, "stage_action", "membership", 2, "claimed"), item(2, "stage_action", "membership", 30, "resolved"),
        item(3, "stage_action", "cinema", None, "closed"), item(4, "low_rating", "visitor-experience", None)])}
    assert list(stats) == ["low_rating", "stage_action", "abandoned"]
    total = stats["stage_action"].total
    assert (total.created, total.claimed_within_sla, total.resolved, total.open) == (3, 1, 2, 1)
    assert total.median_hours_to_claim == 16.0
    assert stats["stage_action"].by_team["cinema"].median_hours_to_claim is None
    assert stats["abandoned"].total.created == 0



def _customer(journey: str, visits: list[tuple[str, datetime]]) -> Customer:
    """A member whose `journey` history is `visits` (each left when the next was entered)."""
    history = [StageVisit(stage=s, entered_at=at, left_at=visits[n + 1][1] if n + 1 < len(visits) else None)
               for n, (s, at) in enumerate(visits)]
    journeys = {journey: JourneyPosition(journey=journey, stage=history[-1].stage, entered_at=history[-1].entered_at,
                                         history=history)} if history else {}
    return Customer(customer_id="c1", identity={"emails": ["ann@example.org"]}, journeys=journeys)  # type: ignore[arg-type]


def test_a_member_who_joins_and_moves_on_within_one_change_gets_the_stage_action_created_closed() -> None:
    joined, visited = NOW - timedelta(minutes=5), NOW - timedelta(minutes=4)
    change = profile_changed(None, _customer("membership", [("joined", joined), ("first_visit", visited)]))
    assert [(e.stage, e.left_at) for e in change.entered] == [("joined", visited), ("first_visit", None)]
    plan = plan_stage_actions(read_change(change), JOURNEYS, [], NOW)
    [item] = plan.create
    assert (item.title, item.status, item.close_reason, item.closed_at) == (
        "membership: joined", "closed", "member moved on", NOW)
    assert item.sla_due_at == joined + timedelta(hours=48)
    assert plan_stage_actions(read_change(change), JOURNEYS, [item], NOW).create == []  # a redelivery


@given(st.lists(st.sampled_from([s.name for s in JOURNEYS.journeys[0].stages]), min_size=1, max_size=8),
       st.sets(st.integers(1, 7)))
def test_where_a_batch_ends_never_changes_which_stage_actions_exist(stages: list[str], cuts: set[int]) -> None:
    """Each move its own change, or moves coalesced into batches (`cuts` end them): the same items, by id."""
    visits = [(stage, NOW + timedelta(minutes=n)) for n, stage in enumerate(stages)]

    def items_for(ends: list[int]) -> dict[str, str]:
        items: list[WorkItem] = []
        start = 0
        for end in ends:
            before = _customer("membership", visits[:start]) if start else None
            change = profile_changed(before, _customer("membership", visits[:end]))
            plan = plan_stage_actions(read_change(change), JOURNEYS, items, NOW)
            closing = {i.id for i in plan.close}
            items = [i.model_copy(update={"status": "closed"}) if i.id in closing else i for i in items] + plan.create
            start = end
        return {i.id: i.status for i in items}

    one_by_one = items_for(list(range(1, len(visits) + 1)))
    batched = items_for(sorted({c for c in cuts if c < len(visits)} | {len(visits)}))
    assert batched == one_by_one
    owned = {s.name for s in JOURNEYS.journeys[0].stages if s.owner == "organization" and s.action}
    assert len(batched) == sum(1 for s in stages if s in owned)


def _checkout_change(checkouts: list[dict[str, object]], *, forgotten: bool = False) -> ProfileChanged:
    change = _change({}, forgotten=forgotten)
    change.after["profile"]["checkouts"] = checkouts
    return change


def test_an_abandoned_checkout_hands_the_touchpoints_team_one_item_and_its_order_closes_it() -> None:
    from journeysync.work.abandoned import plan_abandoned

    routing = load_config(ROOT / "infra" / "config").routing
    started = {"token": "k1", "touchpoint": "online-shop", "started_at": NOW.isoformat(),
               "abandoned_at": (NOW + timedelta(hours=2)).isoformat(), "recover_url": "https://shop.example/recover"}
    plan = plan_abandoned(read_change(_checkout_change([started])), routing, [], NOW)
    [item] = plan.create
    assert (item.kind, item.team, item.title) == ("abandoned", "online-sales", "abandoned checkout at online-shop")
    assert item.context["Where they can finish it"] == "https://shop.example/recover"
    assert plan_abandoned(read_change(_checkout_change([started])), routing, [item], NOW).create == []  # again
    recovered = {**started, "completed_at": (NOW + timedelta(hours=3)).isoformat()}
    assert plan_abandoned(read_change(_checkout_change([recovered])), routing, [item], NOW).close == [item]
    assert plan_abandoned(read_change(_checkout_change([started], forgotten=True)), routing, [item], NOW).close == [item]


def test_a_started_or_completed_checkout_asks_for_nothing() -> None:
    from journeysync.work.abandoned import plan_abandoned

    routing = load_config(ROOT / "infra" / "config").routing
    waiting = {"token": "k1", "started_at": NOW.isoformat()}
    bought = {"token": "k2", "completed_at": NOW.isoformat()}
    assert plan_abandoned(read_change(_checkout_change([waiting, bought])), routing, [], NOW).create == []


def test_config_check_warns_about_a_checkout_touchpoint_no_team_owns(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from journeysync_cli.main import app

    shipped = ROOT / "infra" / "config"
    for path in shipped.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    routing = (shipped / "routing.yaml").read_text()
    (tmp_path / "routing.yaml").write_text(
        routing.replace("touchpoint: online-shop}", "touchpoint: web-shop}")
        .replace("abandonment:\n", "abandonment:\n  - {touchpoint: box-office, after_hours: 1}\n"))
    result = CliRunner().invoke(app, ["config", "check", "--config", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == [
        f"routing.yaml: checkout touchpoint {tp!r} has no owning team in rules "
        "(its abandoned checkouts go to visitor-experience)" for tp in ("box-office", "online-shop")]
