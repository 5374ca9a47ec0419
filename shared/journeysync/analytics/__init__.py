"""Journey analytics: pure functions over Customers, the HTML rendering, and the store source."""

from journeysync.analytics.freshness import lag_seconds, percentile, vendor_event_times
from journeysync.analytics.journeys import JourneyAnalytics, analyse, sla_due, stage_before
from journeysync.analytics.model import JourneyReport

__all__ = [
    "JourneyAnalytics",
    "JourneyReport",
    "analyse",
    "lag_seconds",
    "percentile",
    "sla_due",
    "stage_before",
    "vendor_event_times",
]
