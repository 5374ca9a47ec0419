"""Reconcile's streaming diff at 100k and 1M members: seconds and peak memory, in-memory streams.

Synthetic expected (profile → desired contact) and actual (destination list) streams are
generated lazily — neither side ever exists as a list — with ~2 % of each drift class (missing,
stale, consent mismatch) and 1 % strangers (extra), the actual side in a shuffled order of its
own. Each size runs in a fresh child process so its memory high-water mark is that run's true peak RSS
(generators, spill files' buffers, one partition's dict). Target: 1M in ≤ 60 s and ≤ 512 MB.

A second figure prices the expected side from real `Customer` profiles: segment evaluation and
`desired_for` per profile (the CPU the function spends besides the diff), extrapolated to 1M.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from journeysync.reconcile.diff import Actual, DiffStats, Expected, diff_streams

SIZES = (100_000, 1_000_000)
TOPICS = (("members",), ("members", "renewal"), ("members", "dino-promo", "museum"), ("win-back",))


def _expected(n: int) -> Iterator[Expected]:
    for i in range(n):
        yield Expected(f"member{i:07d}@example.org", f"cust-{i:07d}", TOPICS[i % 4], True, False, True)


def _actual(n: int) -> Iterator[Actual]:
    # a fixed permutation (multiplicative step coprime with n): the destination's own order
    step = 7919
    while n % step == 0:
        step += 2
    for j in range(n):
        i = (j * step) % n
        kind = i % 50
        email = f"member{i:07d}@example.org"
        if kind == 0:
            continue  # missing
        if kind == 1:
            yield Actual(email, (*TOPICS[i % 4], "vip"), True, False)  # stale
        elif kind == 2:
            yield Actual(email, TOPICS[i % 4], False, True)  # consent mismatch
        else:
            yield Actual(email, TOPICS[i % 4], True, False)
        if kind == 3:
            yield Actual(f"stranger{i:07d}@example.net", ("members",), True, False)  # extra


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Linux carries `ru_maxrss` across exec (a spawned child starts with its
    parent's), so read the memory map's high-water mark, which exec resets."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one(n: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    started = time.perf_counter()
    stats = DiffStats()
    found = sum(1 for _ in diff_streams(_expected(n), _actual(n), partitions=max(16, n // 15_000), stats=stats))
    seconds = time.perf_counter() - started
    peak_mb = _peak_rss_mb()
    out.put((seconds, peak_mb, found, dict(stats.drift)))


def _measure(n: int) -> tuple[float, float, int, dict[str, int]]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_one, args=(n, queue))
    proc.start()
    result = queue.get(timeout=600)
    proc.join()
    return result  # type: ignore[no-any-return]


def _expected_from_profiles(count: int = 5_000) -> float:
    """Seconds per 1M profiles to evaluate segments and build the expected contact."""
    from journeysync.config.loader import load_config
    from journeysync.destinations.model import desired_for
    from journeysync.models.customer import (
        ConsentRecord,
        Customer,
        EmailConsent,
        Identity,
        Membership,
        PlatformHeader,
        Profile,
    )
    from journeysync.reconcile.destinations import expected_contact
    from journeysync.segments.engine import SegmentEngine

    engine = SegmentEngine(load_config().segments)
    now = datetime.now(UTC)
    day = timedelta(days=1)
    people = [
        Customer(
            customer_id=f"c{i}",
            header=PlatformHeader(version=1),
            identity=Identity(emails=[f"p{i}@example.org"]),
            profile=Profile(
                membership=Membership(tier="individual", status="active", valid_from=now - 200 * day,
                                      valid_until=now + (i % 300) * day, can_book_online=True),
                email_consent=EmailConsent(status="subscribed", source="bench", at=now - day, ledger=[
                    ConsentRecord(status="subscribed", source="bench", at=now - day, explicit=True)]),
                divisions=["museum"],
            ),
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    for c in people:
        expected_contact(desired_for(c, engine.audiences(engine.evaluate(c, now), "ses")), "ses")
    return (time.perf_counter() - started) / count * 1_000_000


def run() -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    for n in SIZES:
        seconds, peak, found, drift = _measure(n)
        label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
        rows.append((f"diff {label} members: time", seconds, "s"))
        rows.append((f"diff {label} members: peak RSS", peak, "MB"))
        rows.append((f"diff {label} members: drift found", found, "items"))
        rows.append((f"diff {label} members: throughput", n / seconds, "members/s"))
        _ = drift
    rows.append(("expected side from real profiles (segments + desired), per 1M", _expected_from_profiles(), "s CPU"))
    return rows


if __name__ == "__main__":
    for figure, value, unit in run():
        print(f"{figure:<64} {value:>14,.2f} {unit}")
