"""Fire the template's Schedule / ScheduleV2 events on their `rate(...)` or `cron(...)`, optionally faster.

Local time runs `speed` times faster than the wall clock from the moment the stack
starts, so `--speed 3600` turns a nightly job into one every 24 s.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from journeysync_local.moto_server import LOCAL_ACCOUNT, LOCAL_REGION
from journeysync_local.provision import ScheduleSpec
from journeysync_local.translate import TemplateError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_DOW = {str(i): name for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


def _aws_cron_to_unix(fields: list[str]) -> tuple[str, str | None]:
    """AWS cron (min hour dom month dow year, `?`, 1=SUN) → 5-field cron plus the year field."""
    if len(fields) != 6:
        raise TemplateError(f"cron expressions have 6 fields in AWS, got {len(fields)}: {' '.join(fields)}")
    minute, hour, dom, month, dow, year = fields
    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else re.sub(r"\b([1-7])\b", lambda m: _DOW[m.group(1)], dow)
    return f"{minute} {hour} {dom} {month} {dow}", None if year in ("*", "?") else year


def next_fire(expression: str, after: datetime) -> datetime | None:
    """The first firing strictly after `after` (UTC), or None when a cron's years are over."""
    rate = _RATE.match(expression.strip())
    if rate:
        step = int(rate.group(1)) * _UNIT[rate.group(2)]
        if step <= 0:
            raise TemplateError(f"invalid schedule {expression}")
        return after + timedelta(seconds=step)
    cron = _CRON.match(expression.strip())
    if not cron:
        raise TemplateError(f"schedule expression must be rate(...) or cron(...): {expression}")
    from croniter import croniter

    unix, year = _aws_cron_to_unix(cron.group(1).split())
    if not croniter.is_valid(unix):
        raise TemplateError(f"invalid cron expression: {expression}")
    it = croniter(unix, after)
    for _ in range(1000):
        candidate: datetime = it.get_next(datetime)
        if year is None or _year_matches(year, candidate.year):
            return candidate
        if candidate.year > 2199:
            return None
    return None


def _year_matches(spec: str, year: int) -> bool:
    for part in spec.split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            if int(low) <= year <= int(high):
                return True
        elif part.isdigit() and int(part) == year:
            return True
    return False


def scheduled_event(spec: ScheduleSpec, at: datetime) -> Any:
    """What the function receives: the rule's constant Input, else EventBridge's Scheduled Event."""
    if spec.input is not None:
        return spec.input
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [spec.arn],
        "detail": {},
    }


class Scheduler:
    """A thread that fires due schedules through `fire(spec, event)`."""

    def __init__(
        self,
        schedules: list[ScheduleSpec],
        fire: Callable[[ScheduleSpec, Any], None],
        speed: float = 1.0,
    ) -> None:
        for spec in schedules:
            next_fire(spec.expression, datetime.now(UTC))  # validate at start
        self.schedules = [s for s in schedules if s.enabled]
        self.speed = max(speed, 1e-6)
        self._fire = fire
        self._stop = threading.Event()
        self._start_real = time.time()
        self._start_virtual = datetime.now(UTC)
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self.fired: list[tuple[str, datetime]] = []

    def now(self) -> datetime:
        return self._start_virtual + timedelta(seconds=(time.time() - self._start_real) * self.speed)

    def start(self) -> None:
        if self.schedules:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        due: dict[str, datetime | None] = {s.logical_id: next_fire(s.expression, self.now()) for s in self.schedules}
        while not self._stop.is_set():
            upcoming = [(when, s) for s in self.schedules if (when := due[s.logical_id]) is not None]
            if not upcoming:
                return
            when, spec = min(upcoming, key=lambda pair: pair[0])
            wait = (when - self.now()).total_seconds() / self.speed
            if wait > 0:
                self._stop.wait(min(wait, 1.0))
                continue
            due[spec.logical_id] = next_fire(spec.expression, when)
            self.fired.append((spec.logical_id, when))
            with contextlib.suppress(Exception):  # a failing handler is logged by the runner; keep the clock going
                self._fire(spec, scheduled_event(spec, when))
