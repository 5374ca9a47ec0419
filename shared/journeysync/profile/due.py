"""When time alone will change a profile: the thresholds the journey sweep acts on.

A membership's expiry (and the warning before it), a visit gap, a checkout left without an order: each
is a time after which deriving the profile again gives another state though no event arrived. The
store keeps the next one after its last write on the hot item (`due`, in a sparse keys-only index),
so the sweep reads only the profiles whose time came instead of scanning the table every run — a
scan whose cost grows with every member and every year of history.
"""

from __future__ import annotations

from datetime import datetime

from journeysync.config.loader import AppConfig
from journeysync.models.customer import Customer


def thresholds(customer: Customer, config: AppConfig) -> list[datetime]:
    """Every time at which the customer's derived state may change without an event."""
    from journeysync.profile.fold import abandon_due
    from journeysync.profile.journeys import time_thresholds

    out = time_thresholds(config.journeys, customer)
    until = customer.profile.membership.valid_until
    if until:
        out.append(until)  # membership status flips to expired
    out += [due for c in customer.profile.checkouts if (due := abandon_due(c, config.routing))]
    return out


def next_due(customer: Customer, config: AppConfig, after: datetime) -> datetime | None:
    """The first threshold strictly after `after` (None: time alone will never change this profile)."""
    if customer.is_tombstone or customer.header.forgotten:
        return None
    return min((t for t in thresholds(customer, config) if t > after), default=None)


def is_due(customer: Customer, config: AppConfig, now: datetime) -> bool:
    """Whether a threshold passed since the profile was last written."""
    since = customer.header.updated_at
    return any(since < t <= now for t in thresholds(customer, config))
