"""A hand-built set of customers with known journey-report answers (tests/unit/test_analytics.py pins them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml

from journeysync.config.journeys import JourneysConfig
from journeysync.destinations.model import ContactState
from journeysync.models.customer import (
    Customer,
    JourneyPosition,
    MembershipTerm,
    PlatformHeader,
    Profile,
    RatingSummary,
    StageVisit,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

JOURNEYS = JourneysConfig.model_validate(
    yaml.safe_load(
        """
journeys:
  - name: membership
    description: From joining to renewing (or lapsing).
    stages:
      - {name: joined, owner: organization, entry_events: [membership.purchased], sla_hours: 48, team: membership}
      - {name: first_visit, owner: member, entry_events: [ticket.checked_in]}
      - {name: engaged, owner: member, entry_events: [survey.responded]}
      - {name: renewal_due, owner: organization, entry_when: membership_expiring, within_days: 30, sla_hours: 168, team: membership}
      - {name: renewed, owner: member, entry_events: [membership.renewed], outcome: true}
      - {name: lapsed, owner: organization, entry_when: membership_lapsed, sla_hours: 336, team: membership, outcome: true}
  - name: visit_feedback
    description: From a visit to the follow-up of its rating.
    stages:
      - {name: visited, owner: member, entry_events: [ticket.checked_in]}
      - {name: rated, owner: organization, entry_events: [survey.responded], sla_hours: 24, team: visitor-experience}
      - {name: followed_up, owner: member, entry_events: [customer.updated], outcome: true}
"""
    )
)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _visit(stage: str, entered: str, left: str | None = None) -> StageVisit:
    return StageVisit(stage=stage, entered_at=t(entered), left_at=t(left) if left else None)


def _position(journey: str, owner: str, visits: list[StageVisit], sla_due: str | None = None) -> JourneyPosition:
    last = visits[-1]
    return JourneyPosition(
        journey=journey,
        stage=last.stage,
        entered_at=last.entered_at,
        owner=owner,  # type: ignore[arg-type]
        sla_due_at=t(sla_due) if sla_due else None,
        history=visits,
    )


def _term(event_id: str, at: str) -> MembershipTerm:
    return MembershipTerm(event_id=event_id, kind="purchased", at=t(at), tier="individual", term_months=12)


def _rating(rid: str, at: str, sentiment: str, touchpoint: str) -> RatingSummary:
    score = {"detractor": 3, "passive": 7, "promoter": 10}[sentiment]
    return RatingSummary(response_id=rid, scale="nps", score=score, sentiment=sentiment, touchpoint=touchpoint, at=t(at))  # type: ignore[arg-type]


def customers() -> list[tuple[Customer, list[ContactState]]]:
    anna = Customer(
        customer_id="c1-anna",
        header=PlatformHeader(version=3),
        profile=Profile(
            divisions=["museum", "cinema"],
            membership={"status": "active", "terms": [_term("e-a1", "2026-05-01T00:00:00")]},  # type: ignore[arg-type]
            ratings=[_rating("r-a1", "2026-05-20T00:00:00", "detractor", "cafe")],
        ),
        journeys={
            "membership": _position(
                "membership",
                "member",
                [
                    _visit("joined", "2026-05-01T00:00:00", "2026-05-03T00:00:00"),
                    _visit("first_visit", "2026-05-03T00:00:00", "2026-05-13T00:00:00"),
                    _visit("engaged", "2026-05-13T00:00:00"),
                ],
            )
        },
    )
    ben = Customer(
        customer_id="c2-ben",
        header=PlatformHeader(version=1),
        profile=Profile(
            divisions=["museum"],
            membership={"status": "active", "terms": [_term("e-b1", "2026-05-25T00:00:00")]},  # type: ignore[arg-type]
        ),
        journeys={
            "membership": _position(
                "membership", "organization", [_visit("joined", "2026-05-25T00:00:00")], sla_due="2026-05-27T00:00:00"
            )
        },
    )
    cara = Customer(
        customer_id="c3-cara",
        header=PlatformHeader(version=4),
        profile=Profile(
            divisions=["museum", "cinema", "development"],
            membership={"status": "active", "terms": [_term("e-c1", "2025-12-01T00:00:00")]},  # type: ignore[arg-type]
            ratings=[_rating("r-c1", "2026-01-11T00:00:00", "detractor", "galleries")],
        ),
        journeys={
            "membership": _position(
                "membership",
                "member",
                [
                    _visit("joined", "2025-12-01T00:00:00", "2025-12-02T00:00:00"),
                    _visit("first_visit", "2025-12-02T00:00:00"),
                ],
            ),
            # no sla_due_at stored: the analytics derive entered_at + sla_hours (due 2026-01-12)
            "visit_feedback": _position(
                "visit_feedback",
                "organization",
                [_visit("visited", "2026-01-10T00:00:00", "2026-01-11T00:00:00"), _visit("rated", "2026-01-11T00:00:00")],
            ),
        },
    )
    dan = Customer(
        customer_id="c4-dan",
        profile=Profile(divisions=["cinema"], ratings=[_rating("r-d1", "2026-05-01T00:00:00", "promoter", "cafe")]),
    )
    eve = Customer(customer_id="c5-eve", profile=Profile(membership={"status": "expired"}))  # type: ignore[arg-type]
    gone = Customer(customer_id="c6-merged", header=PlatformHeader(merged_into="c1-anna"), profile=Profile(divisions=["museum"]))
    states = {
        "c1-anna": [ContactState("c1-anna", "ses", 3, synced_at=t("2026-05-20T00:00:10"))],
        "c2-ben": [ContactState("c2-ben", "ses", 1, synced_at=t("2026-05-25T00:00:30"))],
        "c3-cara": [ContactState("c3-cara", "mailchimp", 1, synced_at=t("2026-01-11T00:02:00"))],
    }
    people = [anna, ben, cara, dan, eve, gone]
    return [(c, states.get(c.customer_id, [])) for c in people]


ANSWERS_HOURS = {
    # (journey, stage): (reached, current, median_hours, median_hours_so_far)
    ("membership", "joined"): (3, 1, 36.0, 180.0),
    ("membership", "first_visit"): (2, 1, 240.0, (NOW - t("2025-12-02T00:00:00")) / timedelta(hours=1)),
    ("membership", "engaged"): (1, 1, None, 468.0),
    ("membership", "renewal_due"): (0, 0, None, None),
    ("visit_feedback", "visited"): (1, 0, 24.0, None),
    ("visit_feedback", "rated"): (1, 1, None, 3396.0),
}
