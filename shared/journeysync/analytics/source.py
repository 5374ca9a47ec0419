"""Where the report's data comes from: the single table, streamed, and the configuration.

Profiles come page by page from `ProfileStore.iter_customers`; for every `chunk` of them
the destination states (`D#ses`, `D#mailchimp`) are read in one BatchGetItem, so memory
stays bounded and a weekly report of 100k profiles costs about one table scan plus
~2k BatchGetItem calls of reads (well under a cent).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from journeysync.analytics.journeys import DIVISION_PREFIX, JourneyAnalytics
from journeysync.analytics.model import JourneyReport
from journeysync.config.loader import AppConfig
from journeysync.destinations.model import ContactState
from journeysync.destinations.state import SyncStateStore
from journeysync.models.customer import Customer
from journeysync.store.profiles import ProfileStore
from journeysync.work.model import WorkItem


def enabled_destinations(config: AppConfig) -> list[str]:
    dests = config.segments.destinations
    return [name for name, on in (("ses", dests.ses.enabled), ("mailchimp", dests.mailchimp.enabled)) if on]


def customers_with_states(
    store: ProfileStore, states: SyncStateStore | None, destinations: Sequence[str], chunk: int = 50
) -> Iterator[tuple[Customer, list[ContactState]]]:
    """Every live profile with its destination states, `chunk` profiles per BatchGetItem."""
    customers = store.iter_customers()
    while True:
        batch = list(islice(customers, chunk))
        if not batch:
            return
        found: dict[tuple[str, str], ContactState] = {}
        if states is not None and destinations:
            found = states.get_many([c.customer_id for c in batch], destinations)
        for customer in batch:
            yield customer, [found[(customer.customer_id, d)] for d in destinations if (customer.customer_id, d) in found]


def build_report(
    store: ProfileStore,
    config: AppConfig,
    now: datetime,
    *,
    states: SyncStateStore | None = None,
    abandon_after_days: int = 90,
    work_items: Iterable[WorkItem] | None = None,
) -> JourneyReport:
    """The whole report from the table: journeys from `journeys.yaml`, division lists from `segments.yaml`."""
    from journeysync.segments.engine import SegmentEngine

    engine = SegmentEngine(config.segments)
    destinations = enabled_destinations(config) if states is not None else []
    divisions = [s.name for s in config.segments.segments if s.name.startswith(DIVISION_PREFIX)]
    acc = JourneyAnalytics(
        config.journeys,
        now,
        memberships=lambda c: engine.evaluate(c, now),
        division_lists=divisions,
        destinations=destinations,
        abandon_after_days=abandon_after_days,
    )
    for customer, customer_states in customers_with_states(store, states, destinations):
        acc.add(customer, customer_states)
    report = acc.result()
    if states is not None:
        from journeysync.analytics.engagement import build_engagement_report
        from journeysync.engagement.store import EngagementStore

        engagement = build_engagement_report(store, EngagementStore(store.table, store.ddb), config, now)
        report = report.model_copy(update={"engagement": engagement})
    if work_items is not None:
        from journeysync.analytics.work import work_stats

        report = report.model_copy(update={"work": work_stats(work_items)})
    if states is None:
        return report.model_copy(update={"notes": [*report.notes, "sync freshness: no sync-state store given"]})
    return report
