"""Sync freshness: how long from the vendor's event to the destination holding its effect.

What is recorded today: each destination state item (`C#<id>`, `D#<destination>`, see
`journeysync.destinations.state`) keeps `synced_at` (when the push was made) and the profile
`version` it reflects — but not which event caused the push, nor that event's vendor time.
The vendor times *are* in the profile (`field_times`, ratings, bookings, purchases,
membership terms, the consent ledger). So the estimate pairs each state with the newest
vendor event time at or before its `synced_at`:

    lag = synced_at - max{ vendor event time ≤ synced_at }

That is exact when the newest event caused the push (the common case: crm_to_email runs
within a second of the profile write) and an over-estimate when a later event changed
nothing the destination holds (no new push, `synced_at` unchanged) or the daily full sync
made the push. To measure it exactly, crm_to_email would record the causing events' vendor
time in the state item (`source_event_time`; `ProfileChanged.causes` would need to carry
each event's `time`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from journeysync.analytics.model import Freshness
from journeysync.destinations.model import ContactState
from journeysync.models.customer import Customer

FRESHNESS_METHOD = (
    "estimated: synced_at of each destination state minus the newest vendor event time at or before it "
    "(the state records no causing event time; see journeysync.analytics.freshness)"
)


def vendor_event_times(customer: Customer) -> list[datetime]:
    """Every vendor event time the profile keeps, sorted."""
    p = customer.profile
    times = set(p.field_times.values())
    times.update(r.at for r in p.ratings)
    times.update(b.at for b in p.bookings)
    times.update(x.at for x in p.purchases)
    times.update(t.at for t in p.membership.terms)
    times.update(c.at for c in p.email_consent.ledger)
    return sorted(times)


def lag_seconds(state: ContactState, times: Sequence[datetime]) -> float | None:
    """synced_at minus the newest event time at or before it; None when no event precedes the push."""
    i = bisect.bisect_right(times, state.synced_at)
    if i == 0:
        return None
    return (state.synced_at - times[i - 1]).total_seconds()


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


class FreshnessAccumulator:
    def __init__(self, destinations: Sequence[str] = ()) -> None:
        self._lags: dict[str, list[float]] = {d: [] for d in destinations}
        self._contacts: dict[str, int] = dict.fromkeys(destinations, 0)
        self._behind: dict[str, int] = dict.fromkeys(destinations, 0)

    def add(self, customer: Customer, states: Iterable[ContactState]) -> None:
        times: list[datetime] | None = None
        for state in states:
            name = state.destination
            self._lags.setdefault(name, [])
            self._contacts[name] = self._contacts.get(name, 0) + 1
            if state.version < customer.header.version:
                self._behind[name] = self._behind.get(name, 0) + 1
            if state.forgotten:
                continue
            if times is None:
                times = vendor_event_times(customer)
            lag = lag_seconds(state, times)
            if lag is not None:
                self._lags[name].append(lag)

    def result(self) -> list[Freshness]:
        out = []
        for name in sorted(self._lags):
            lags = self._lags[name]
            p50 = percentile(lags, 50)
            p95 = percentile(lags, 95)
            out.append(
                Freshness(
                    destination=name,
                    contacts=self._contacts.get(name, 0),
                    samples=len(lags),
                    p50_seconds=None if p50 is None else round(p50, 3),
                    p95_seconds=None if p95 is None else round(p95, 3),
                    behind=self._behind.get(name, 0),
                )
            )
        return out
