"""Evaluate the declarative segment rules of `segments.yaml` against one customer.

A rule's `field` is a dotted path into the profile (`membership.status`,
`last_survey.sentiment`), into the customer (`identity.emails`, `journeys.membership.stage`)
or a *virtual field* computed from the profile (`bookings.event_refs`: the events a
customer holds a live booking for). Comparisons against a missing value are false,
except `ne`, `not_in` and `exists: false`, so a rule never matches by accident of a gap.

Time-relative operators read an injected `now`, so evaluation is a pure function:
`within_days: N` holds when the value is at most N days from now (either side);
`older_than_days: N` holds when the value is more than N days in the past.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from journeysync.config.segments import Rule, SegmentConfig, SegmentsConfig
from journeysync.models.customer import Customer


class UnknownFieldError(ValueError):
    """A rule names a field the engine cannot resolve (caught by `check_fields` at config time)."""


_MISSING = object()


def _live_event_refs(customer: Customer) -> list[str]:
    return sorted({b.event_ref for b in customer.profile.bookings if b.status != "cancelled"})


def _all_event_refs(customer: Customer) -> list[str]:
    return sorted({b.event_ref for b in customer.profile.bookings})


def _attended_event_refs(customer: Customer) -> list[str]:
    return sorted({b.event_ref for b in customer.profile.bookings if b.status == "attended"})


def _purchase_categories(customer: Customer) -> list[str]:
    return sorted({p.category for p in customer.profile.purchases})


def _email(customer: Customer) -> str | None:
    return customer.identity.primary_email


VIRTUAL_FIELDS: dict[str, Callable[[Customer], Any]] = {
    "bookings.event_refs": _live_event_refs,
    "bookings.all_event_refs": _all_event_refs,
    "bookings.attended_event_refs": _attended_event_refs,
    "purchases.categories": _purchase_categories,
    "email": _email,
    "consent.status": lambda c: c.profile.email_consent.status,
}
"""Fields computed from the profile; add one here to make it usable in segments.yaml."""

_CUSTOMER_ROOTS = ("identity", "journeys", "header", "customer_id")

SEND_TIME_FIELDS: frozenset[str] = frozenset(
    {"pressure_ok", "engagement.sends_7d", "engagement.best_send_hour", "engagement.last_open_at"}
)
"""Fields that live outside the profile (the member's engagement item) and are only known where it is
read: the campaign sender and `segments members`. A segment using one cannot be a destination audience."""


def resolve(customer: Customer, path: str, context: Mapping[str, Any] | None = None) -> Any:
    """The value at `path` (send-time, virtual, customer or profile path); `_MISSING` if absent."""
    if path in SEND_TIME_FIELDS:
        return (context or {}).get(path, _MISSING)
    if path in VIRTUAL_FIELDS:
        return VIRTUAL_FIELDS[path](customer)
    parts = path.split(".")
    node: Any = customer if parts[0] in _CUSTOMER_ROOTS else customer.profile
    for part in parts:
        if node is None:
            return _MISSING
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif hasattr(type(node), "model_fields") and part in type(node).model_fields:
            node = getattr(node, part)
        else:
            raise UnknownFieldError(f"unknown field {path!r} (at {part!r})")
        if node is _MISSING:
            return _MISSING
    return node


def check_fields(config: SegmentsConfig) -> list[str]:
    """Problems with the fields the rules name, as 'segment: message' (empty = all resolvable)."""
    probe = Customer(customer_id="probe")
    problems = []
    for segment in config.segments:
        for rule in _leaves(segment.rule):
            assert rule.field is not None
            if rule.field in SEND_TIME_FIELDS:
                if segment.destinations.ses_topic or segment.destinations.mailchimp_tag:
                    problems.append(
                        f"{segment.name}: {rule.field!r} is known only at send time; a segment using it "
                        "cannot map to an SES topic or Mailchimp tag"
                    )
                continue
            try:
                resolve(probe, rule.field)
            except UnknownFieldError as exc:
                problems.append(f"{segment.name}: {exc}")
    return problems


def _leaves(rule: Rule) -> Iterable[Rule]:
    if rule.field is not None:
        yield rule
    for child in (*(rule.all or ()), *(rule.any or ()), *((rule.not_,) if rule.not_ else ())):
        yield from _leaves(child)


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _as_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    if isinstance(left, bool) or isinstance(right, bool):
        return None
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    lt, rt = _as_datetime(left), _as_datetime(right)
    if lt is not None and rt is not None:
        return lt, rt
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    return None


def _compare(op: str, value: Any, expected: Any, now: datetime) -> bool:
    if op == "exists":
        present = value is not _MISSING and value is not None and value != []
        return present is bool(True if expected is None else expected)
    if value is _MISSING or value is None:
        return op in ("ne", "not_in")
    if op == "eq":
        return bool(value == expected)
    if op == "ne":
        return bool(value != expected)
    if op == "in":
        return value in (expected or ())
    if op == "not_in":
        return value not in (expected or ())
    if op == "contains":
        if isinstance(value, str):
            return isinstance(expected, str) and expected in value
        return expected in value if isinstance(value, list | tuple | set | frozenset | dict) else False
    if op in ("within_days", "older_than_days"):
        when = _as_datetime(value)
        if when is None:
            return False
        days = timedelta(days=float(expected))
        return abs(when - now) <= days if op == "within_days" else when < now - days
    pair = _comparable(value, expected)
    if pair is None:
        return False
    left, right = pair
    return bool({"lt": left < right, "lte": left <= right, "gt": left > right, "gte": left >= right}[op])


def matches(rule: Rule, customer: Customer, now: datetime, context: Mapping[str, Any] | None = None) -> bool:
    if rule.all is not None:
        return all(matches(r, customer, now, context) for r in rule.all)
    if rule.any is not None:
        return any(matches(r, customer, now, context) for r in rule.any)
    if rule.not_ is not None:
        return not matches(rule.not_, customer, now, context)
    assert rule.field is not None and rule.op is not None
    return _compare(rule.op, resolve(customer, rule.field, context), rule.value, now)


@dataclass(frozen=True)
class SegmentEngine:
    """The segments of one configuration; `evaluate` is pure given `now`."""

    config: SegmentsConfig

    def evaluate(
        self, customer: Customer, now: datetime | None = None, context: Mapping[str, Any] | None = None
    ) -> frozenset[str]:
        """Names of the segments `customer` is in. Tombstones and forgotten customers are in none.

        `context` carries the send-time fields (`SEND_TIME_FIELDS`); without it they are missing.
        """
        if customer.is_tombstone or customer.header.forgotten:
            return frozenset()
        at = now or datetime.now(UTC)
        return frozenset(s.name for s in self.config.segments if matches(s.rule, customer, at, context))

    def audiences(self, segments: Iterable[str], destination: str) -> frozenset[str]:
        """The destination's audience names (SES topics, Mailchimp tags) for a set of segment names."""
        out = set()
        for name in segments:
            segment = self.config.get(name)
            if segment is None:
                continue
            target = audience_of(segment, destination)
            if target:
                out.add(target)
        return frozenset(out)

    def all_audiences(self, destination: str) -> list[str]:
        """Every audience name the configuration maps to `destination`, in config order, deduplicated."""
        seen: dict[str, None] = {}
        for segment in self.config.segments:
            target = audience_of(segment, destination)
            if target:
                seen.setdefault(target)
        return list(seen)


def audience_of(segment: SegmentConfig, destination: str) -> str | None:
    if destination == "ses":
        return segment.destinations.ses_topic
    if destination == "mailchimp":
        return segment.destinations.mailchimp_tag
    raise ValueError(f"unknown destination {destination!r}")


def overlap(memberships: Iterable[frozenset[str]], prefix: str = "division-") -> dict[str, int]:
    """How many customers sit on several lists of one kind (default: division lists).

    Returns counts keyed by the sorted '+'-joined combination (only combinations of two or
    more), plus `"customers_on_several"`: one contact per destination stands behind each.
    """
    counts: dict[str, int] = {}
    several = 0
    for segments in memberships:
        lists = sorted(s for s in segments if s.startswith(prefix))
        if len(lists) >= 2:
            several += 1
            key = "+".join(lists)
            counts[key] = counts.get(key, 0) + 1
    return {"customers_on_several": several, **dict(sorted(counts.items()))}
