"""The streaming diff: what a destination should hold against what it holds, in hashed partitions.

Neither side is ever held whole. Both streams are written, as compact lines, into `partitions`
spill files chosen by a hash of the email (the join key), then each partition is diffed alone:
the expected half goes into a dict, the actual half streams past it. Peak memory is one
partition (≈ n / partitions records), whatever the size of the list; the spill files live in
a temporary directory (Lambda's /tmp) and are removed when the diff ends.

Classes (per destination):

- `missing` — the profile says the contact must exist (subscribed, or suppressed so that a
  contact someone else creates is suppressed too) and the destination has no such contact;
- `extra` — the destination holds a contact that would receive mail and no profile owns the
  address (a contact with nothing opted in and no owner is harmless and only counted as
  `unowned_quiet`; one unsubscribed there is kept as a consent fact, `unowned_suppressed`);
- `stale` — both exist but the audiences (SES topics / Mailchimp tags) or the suppression differ;
- `consent_mismatch` — the destination holds the contact unsubscribed and the profile does not
  know (it is pulled into the profile's consent ledger, never overwritten). The repairer keeps
  (counts as `held_by_destination`) the one case where the destination already refused our push
  of the customer's own newer explicit opt-in: that needs the contact's re-opt-in there.

The classifier is a pure function of one (expected, actual) pair; `diff_streams` is pure
apart from its spill files, so the whole thing is unit-tested and benchmarked without AWS.
"""

from __future__ import annotations

import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

DRIFT_CLASSES = ("missing", "extra", "stale", "consent_mismatch")
_SEP = "\t"
_LIST = "\x1f"
# Fields are escaped so any string a vendor can send (tabs, newlines, CR, the list separator, half a
# surrogate pair) survives the spill file: `%` first, then the separators, as %XX.
_ESCAPES = {"%": "%25", "\t": "%09", "\n": "%0A", "\r": "%0D", "\x1f": "%1F"}
_NEEDS_ESCAPE = frozenset(_ESCAPES)


def _esc(value: str) -> str:
    if _NEEDS_ESCAPE.isdisjoint(value):
        return value
    return "".join(_ESCAPES.get(ch, ch) for ch in value)


def _unesc(value: str) -> str:
    if "%" not in value:
        return value
    from urllib.parse import unquote

    return unquote(value, errors="surrogatepass")


def _join(values: tuple[str, ...]) -> str:
    return _LIST.join(_esc(v) for v in values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(_unesc(v) for v in text.split(_LIST)) if text else ()


@dataclass(frozen=True, slots=True)
class Expected:
    """What one destination should hold for one customer (from the profile and the segments)."""

    email: str
    customer_id: str
    audiences: tuple[str, ...] = ()  # SES: topics opted in; Mailchimp: tags
    subscribed: bool = False
    suppressed: bool = False
    must_exist: bool = False
    own_subscribe: bool = False  # the customer's own newest action is an explicit opt-in

    def encode(self) -> str:
        flags = f"{int(self.subscribed)}{int(self.suppressed)}{int(self.must_exist)}{int(self.own_subscribe)}"
        return _SEP.join((_esc(self.email), _esc(self.customer_id), _join(self.audiences), flags)) + "\n"

    @classmethod
    def decode(cls, line: str) -> Expected:
        email, cid, audiences, flags = line.rstrip("\n").split(_SEP)
        return cls(
            _unesc(email),
            _unesc(cid),
            _split(audiences),
            flags[0] == "1",
            flags[1] == "1",
            flags[2] == "1",
            flags[3] == "1",
        )


@dataclass(frozen=True, slots=True)
class Actual:
    """What one destination holds for one address (from its list API)."""

    email: str
    audiences: tuple[str, ...] = ()
    subscribed: bool = False  # SES: any topic opted in; Mailchimp: status subscribed or pending
    unsubscribed: bool = False  # SES UnsubscribeAll; Mailchimp unsubscribed or cleaned
    status: str = ""  # the destination's own word (Mailchimp status), for the consent record

    def encode(self) -> str:
        flags = f"{int(self.subscribed)}{int(self.unsubscribed)}"
        return _SEP.join((_esc(self.email), _join(self.audiences), flags, _esc(self.status))) + "\n"

    @classmethod
    def decode(cls, line: str) -> Actual:
        email, audiences, flags, status = line.rstrip("\n").split(_SEP)
        return cls(_unesc(email), _split(audiences), flags[0] == "1", flags[1] == "1", _unesc(status))


@dataclass(frozen=True, slots=True)
class Drift:
    kind: str  # one of DRIFT_CLASSES
    email: str
    expected: Expected | None
    actual: Actual | None

    @property
    def customer_id(self) -> str | None:
        return self.expected.customer_id if self.expected else None


@dataclass
class DiffStats:
    expected: int = 0
    actual: int = 0
    drift: Counter[str] = field(default_factory=Counter)
    info: Counter[str] = field(default_factory=Counter)  # not drift: unowned_quiet, unowned_suppressed, …


def classify(e: Expected | None, a: Actual | None, *, check_status: bool = False) -> str | None:
    """The drift class of one address, or None when the destination agrees (or the difference is kept)."""
    if a is None:
        return "missing" if e is not None and e.must_exist else None
    if e is None:
        return "extra" if a.subscribed and not a.unsubscribed else None
    if a.unsubscribed and not e.suppressed:
        return "consent_mismatch"
    if e.suppressed and not a.unsubscribed:
        return "stale"
    if e.suppressed:
        return None  # suppressed on both sides: whatever topics or tags remain send nothing
    if set(e.audiences) != set(a.audiences):
        return "stale"
    if check_status and e.subscribed != a.subscribed:
        return "stale"
    return None


def _info(e: Expected | None, a: Actual | None) -> str | None:
    if e is None and a is not None:
        return "unowned_suppressed" if a.unsubscribed else ("unowned_quiet" if not a.subscribed else None)
    return None


def partition_of(email: str, partitions: int) -> int:
    return zlib.crc32(email.encode("utf-8", "surrogatepass")) % partitions


class _Spill:
    """`partitions` append-only text files in one temporary directory."""

    def __init__(self, directory: Path, name: str, partitions: int) -> None:
        self.paths = [directory / f"{name}-{i:04d}" for i in range(partitions)]
        self._files: list[IO[str] | None] = [None] * partitions

    def write(self, index: int, line: str) -> None:
        handle = self._files[index]
        if handle is None:
            handle = self._files[index] = open(  # noqa: SIM115
                self.paths[index], "a", encoding="utf-8", errors="surrogatepass", newline="\n", buffering=1 << 16
            )
        handle.write(line)

    def close(self) -> None:
        for handle in self._files:
            if handle is not None:
                handle.close()
        self._files = [None] * len(self._files)

    def lines(self, index: int) -> Iterator[str]:
        path = self.paths[index]
        if not path.exists():
            return
        with open(path, encoding="utf-8", errors="surrogatepass", newline="\n") as handle:
            yield from handle
        path.unlink()


def diff_streams(
    expected: Iterable[Expected],
    actual: Iterable[Actual],
    *,
    partitions: int = 64,
    check_status: bool = False,
    stats: DiffStats | None = None,
    spill_dir: str | Path | None = None,
) -> Iterator[Drift]:
    """Yield every drifted address; `stats` (if given) gets the counts, drift and informational.

    Both iterables are consumed exactly once, in whatever order they come (SES and DynamoDB
    both page in an order of their own). An address two profiles claim as primary keeps the
    first and counts `duplicate_owner`.
    """
    stats = stats if stats is not None else DiffStats()
    with tempfile.TemporaryDirectory(prefix="reconcile-", dir=spill_dir) as tmp:
        directory = Path(tmp)
        left, right = _Spill(directory, "e", partitions), _Spill(directory, "a", partitions)
        try:
            for e in expected:
                stats.expected += 1
                left.write(partition_of(e.email, partitions), e.encode())
            for a in actual:
                stats.actual += 1
                right.write(partition_of(a.email, partitions), a.encode())
        finally:
            left.close()
            right.close()
        for index in range(partitions):
            yield from _diff_partition(left.lines(index), right.lines(index), stats, check_status)


def _diff_partition(left: Iterable[str], right: Iterable[str], stats: DiffStats, check_status: bool) -> Iterator[Drift]:
    expected: dict[str, Expected] = {}
    for line in left:
        e = Expected.decode(line)
        if e.email in expected:
            stats.info["duplicate_owner"] += 1
            continue
        expected[e.email] = e
    seen: set[str] = set()
    for line in right:
        a = Actual.decode(line)
        if a.email in seen:
            continue
        seen.add(a.email)
        yield from _judge(expected.pop(a.email, None), a, stats, check_status)
    for left_over in expected.values():
        yield from _judge(left_over, None, stats, check_status)


def _judge(e: Expected | None, a: Actual | None, stats: DiffStats, check_status: bool) -> Iterator[Drift]:
    kind = classify(e, a, check_status=check_status)
    if kind is not None:
        stats.drift[kind] += 1
        email = a.email if a is not None else (e.email if e is not None else "")
        yield Drift(kind, email, e, a)
        return
    note = _info(e, a)
    if note is not None:
        stats.info[note] += 1
