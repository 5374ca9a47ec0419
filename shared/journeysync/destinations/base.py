"""The one connector interface every email destination implements.

`Destination.apply(changes)` is the only public method and does the shared work:
batching (`batch_size` changes per `_upsert_batch` call), rate limiting (`call()`
takes a token from the destination's bucket), bounded retries, and the mapping of
every failure to an `Outcome` — `retriable` (throttling, 5xx, network: the message
returns to its queue), `fatal` (a 4xx that retrying cannot fix: dead-letter with the
reason) or `refused` (the destination itself holds the contact unsubscribed; recorded,
never retried, never forced). A destination implements only the hooks:

- `_upsert_batch(changes) -> {customer_id: Outcome}` — create or update contacts;
- `_delete(change) -> Outcome` — remove one contact (`change.permanent` for a forget);
- `_classify(exc) -> Outcome | None` — map the destination's own exceptions.

When a contact's email changed, the base deletes the old address first, then
creates the new one: the destination only ever sees one contact per customer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from journeysync.connectors.ratelimit import TokenBucket
from journeysync.destinations.model import Change, Outcome
from journeysync.errors import FatalError, RetriableError

T = TypeVar("T")


class Destination:
    name: ClassVar[str] = "destination"
    batch_size: ClassVar[int] = 1
    max_attempts: ClassVar[int] = 3

    def __init__(self, limiter: TokenBucket | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.limiter = limiter
        self.sleep = sleep
        self.calls = 0  # every API request, retries included (benchmarks and metrics read it)

    @property
    def requests_made(self) -> int:
        """API requests so far (a destination whose client counts its own overrides this)."""
        return self.calls

    # -- hooks -----------------------------------------------------------------------------

    def _upsert_batch(self, changes: Sequence[Change]) -> dict[str, Outcome]:
        raise NotImplementedError

    def _delete(self, change: Change) -> Outcome:
        raise NotImplementedError

    def _classify(self, exc: Exception) -> Outcome | None:
        """A destination-specific mapping of `exc`; None falls through to the generic one."""
        return None

    def _retriable(self, exc: Exception) -> bool:
        """Whether `call()` should retry `exc` in-process (default: RetriableError without a long wait)."""
        return isinstance(exc, RetriableError) and (exc.retry_after or 0) <= 2.0

    # -- shared machinery --------------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API request: rate-limited, counted, retried with backoff while that is cheap."""
        for attempt in range(1, self.max_attempts + 1):
            if self.limiter is not None:
                self.limiter.acquire()
            self.calls += 1
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if attempt == self.max_attempts or not self._retriable(exc):
                    raise
                wait = getattr(exc, "retry_after", None)
                self.sleep(float(wait) if wait is not None else min(2.0, 0.2 * 2 ** (attempt - 1)))
        raise AssertionError("unreachable")  # pragma: no cover

    def outcome_of(self, exc: Exception) -> Outcome:
        specific = self._classify(exc)
        if specific is not None:
            return specific
        if isinstance(exc, FatalError):
            return Outcome("fatal", f"{self.name}: {exc}")
        if isinstance(exc, RetriableError):
            return Outcome("retriable", f"{self.name}: {exc}", exc.retry_after)
        # unknown failures go back to the queue; maxReceiveCount dead-letters them if they persist
        return Outcome("retriable", f"{self.name}: {type(exc).__name__}: {str(exc)[:200]}")

    def apply(self, changes: Iterable[Change]) -> dict[str, Outcome]:
        """Push `changes` (at most one per customer); every customer gets an outcome, nothing raises."""
        outcomes: dict[str, Outcome] = {}
        upserts: list[Change] = []
        for change in changes:
            if change.op == "delete":
                outcomes[change.customer_id] = self._guarded(self._delete, change)
                continue
            upserts.append(change)
        for start in range(0, len(upserts), self.batch_size):
            chunk = upserts[start : start + self.batch_size]
            try:
                results = self._upsert_batch(chunk)
            except Exception as exc:
                failed = self.outcome_of(exc)
                results = {c.customer_id: failed for c in chunk}
            for change in chunk:
                outcomes[change.customer_id] = results.get(
                    change.customer_id, Outcome("retriable", f"{self.name}: no result for this contact")
                )
        for change in upserts:  # an email change: the old contact goes only once the new one is in place
            moved = _moved_from(change)
            if moved is not None and not outcomes[change.customer_id].failed:
                gone = self._guarded(self._delete, moved)
                if gone.failed:
                    outcomes[change.customer_id] = gone
        return outcomes

    def _guarded(self, fn: Callable[[Change], Outcome], change: Change) -> Outcome:
        try:
            return fn(change)
        except Exception as exc:
            return self.outcome_of(exc)

    def each(self, changes: Sequence[Change], fn: Callable[[Change], Outcome]) -> dict[str, Outcome]:
        """For destinations without a batch API: one guarded call per change."""
        return {c.customer_id: self._guarded(fn, c) for c in changes}


def _moved_from(change: Change) -> Change | None:
    """The delete of the previous address when `change` moves the contact to a new email, else None."""
    previous = change.previous
    if previous is None or not previous.email or previous.email == change.email:
        return None
    return replace(change, op="delete", email=previous.email, permanent=False)
