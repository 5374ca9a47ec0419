"""The customer partition as items: a small hot `P` item plus one item per fact.

Writing a whole customer document on every event made an event's cost grow with the
member's history (a three-year member's profile was ~38 KB: 38 write units per event).
Here a customer is split so that an event rewrites only what it changed:

| item               | sk                                  | holds                                        |
|--------------------|-------------------------------------|----------------------------------------------|
| hot profile        | `P`                                 | header, identity, names, derived membership  |
|                    |                                     | and consent status, visits, flags, journey   |
|                    |                                     | positions (no history), scalar field times   |
| membership term    | `F#M#<event id>`                    | one `MembershipTerm`                         |
| consent act        | `F#C#<time>#<event id>`             | one `ConsentRecord`                          |
| booking            | `E#B#<time>#<event ref>#<order id>` | one `Booking` (status is a lattice)          |
| purchase           | `E#O#<time>#<order id>`             | one `PurchaseSummary`                        |
| rating             | `E#R#<time>#<response id>`          | one `RatingSummary` and its field times      |
| checkout           | `E#K#<time>#<checkout token>`       | one `Checkout` (started, ordered, abandoned) |
| journey history    | `F#H#<journey>`                     | the position's stage visits                  |
| timeline           | `T#<time>#<event id>`               | compact event (`journeysync.store.timeline`) |
|                    |                                     | and the journey entry facts it made          |

Journey entry facts (`j|<journey>|<stage>|<event id>` → event time) ride on the timeline
item of their event, which is written once per event anyway; `P` keeps the sort key of the
oldest entry the fold still keeps (`jw`), so a reader queries only that window.

The fold keeps only the newest bookings, purchases, ratings and checkouts (`LISTED` caps). Those facts
sort by time (`E#<kind>#<time>#<natural key>`), so when the fold drops the oldest one the
writer leaves it in place instead of paying a delete for every new fact: `P` marks the kind
as overflowing (`ov`) and readers Query it newest first with the cap as Limit (and the other kinds
`P` lists as holding facts, `lk`, each in full). A fact whose
time changes (a late earlier booking event) moves to its new key and the old one is deleted.

Facts are keyed by their natural key, so a replayed event rewrites nothing; the writer
diffs the items of the folded customer against the items it read and puts only the new
or changed ones (and deletes the ones the fold's caps dropped). `customer_items` and
`customer_from_items` are inverse: the store round-trips exactly the customer the fold
produced. A `P` item of the old layout (one JSON document of the whole customer under
`doc`) still reads, so `journeysync migrate` and lazy rewrites can move partitions over.

Budgets (`ITEM_BUDGET`, DynamoDB's own size rule: attribute names plus values) are what
`tests/unit/test_store_layout.py` holds every item of ten years of a heavy member to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter

from journeysync.consent import ledger_order
from journeysync.models.customer import (
    Booking,
    Checkout,
    ConsentRecord,
    Customer,
    MembershipTerm,
    PurchaseSummary,
    RatingSummary,
    StageVisit,
)
from journeysync.store.budget import item_size, within_budget
from journeysync.store.table import TableKeys

Item = dict[str, Any]

FACT_PREFIX = "F#"
LISTED_PREFIX = "E#"
LISTED = {"B": 100, "O": 50, "R": 20, "K": 20}
"""Kinds the fold caps (journeysync.profile.fold BOOKINGS_CAP, PURCHASES_CAP, RATINGS_CAP, CHECKOUTS_CAP),
newest kept."""
ENTRY_PREFIX = "j|"  # journey entry facts in profile.field_times (journeysync.profile.journeys)
RATING_TIME_PREFIX = "rating."
ENTRIES_CAP = 40  # newest entry facts kept per journey (journeysync.profile.journeys.ENTRIES_CAP)

ITEM_BUDGET = {
    "P": 1024,  # one write unit per event
    "F#M": 400,
    "F#C": 400,
    "E#B": 400,
    "E#O": 400,
    "E#K": 2560,  # a checkout with the longest recover URL an event may carry (URL_BYTES); typically ~250
    "E#R": 1024,  # a rating with its comment (comments are capped upstream at 500 characters)
    "F#H": 4096,  # 30 stage visits; rewritten only when the stage changes
    "T": 512,  # compact timeline entry
}
"""Largest size in bytes an item of each kind may reach, whatever the member's history."""

_HOT_EXCLUDE: dict[str, Any] = {
    "customer_id": True,
    "profile": {
        "membership": {"terms"},
        "email_consent": {"ledger"},
        "bookings": True,
        "purchases": True,
        "ratings": True,
        "checkouts": True,
        "last_survey": True,
        "field_times": True,
    },
    "journeys": {"__all__": {"history", "journey"}},
}
_SHORT = {
    name: f"~{code}"
    for name, code in {
        "profile": "p", "identity": "i", "journeys": "j", "membership": "m", "email_consent": "c", "emails": "e",
        "phones": "ph", "external": "x", "given_name": "g", "family_name": "f", "crm_owner": "o", "visits": "v",
        "last_visit_at": "lv", "at_risk": "r", "vip": "vip", "divisions": "d", "status": "s", "source": "so",
        "at": "a", "tier": "t", "valid_from": "vf", "valid_until": "vu", "can_book_online": "b", "stage": "st",
        "entered_at": "ea", "owner": "ow", "sla_due_at": "sl", "completed": "co", "created_at": "ca",
        "updated_at": "ua", "version": "n", "merged_into": "mi", "forgotten": "fg", "recent": "rc",
        "identity.primary_email": "pe", "event_ref": "er", "order_id": "oi", "event_name": "en",
        "event_date": "ed", "amount": "am", "currency": "cu", "category": "cg", "title": "ti",
        "response_id": "ri", "scale": "sc", "score": "sr", "sentiment": "se", "touchpoint": "tp",
        "location": "lo", "comment": "cm", "permalink": "pl", "event_id": "ei", "kind": "k",
        "term_months": "tm", "refunded": "rf", "explicit": "ex", "left_at": "la", "token": "tk",
        "started_at": "sa", "completed_at": "cpa", "abandoned_at": "aa", "recover_url": "ru",
    }.items()
}
_LONG = {short: name for name, short in _SHORT.items()}
_HISTORY = TypeAdapter(list[StageVisit])
_TIMES = TypeAdapter(dict[str, datetime])


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, default=str)


def _doc(model: Any) -> str:
    return _compact(_shorten(model.model_dump(mode="json", exclude_defaults=True)))


def _undoc(doc: str) -> Any:
    return _lengthen(json.loads(doc))


def _shorten(data: Any) -> Any:
    """Short attribute names for the hot document (every byte of `P` is paid on every write)."""
    if isinstance(data, dict):
        return {_short_key(k): _shorten(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_shorten(v) for v in data]
    return data


def _short_key(key: str) -> str:
    if key in _SHORT:
        return _SHORT[key]
    if key.startswith("identity.external."):
        return "~x." + key.removeprefix("identity.external.")
    return key


def _lengthen(data: Any) -> Any:
    if isinstance(data, dict):
        return {_long_key(k): _lengthen(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_lengthen(v) for v in data]
    return data


def _long_key(key: str) -> str:
    if key in _LONG:
        return _LONG[key]
    if key.startswith("~x."):
        return "identity.external." + key.removeprefix("~x.")
    return key


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- size rule


def write_units(item: Mapping[str, Any]) -> int:
    """Write request units of putting or deleting `item` (1 KB each, at least one)."""
    return max(1, -(-item_size(item) // 1024))


def kind_of(sk: str) -> str:
    """The budget kind of a sort key (`P`, `F#B`, `T`, ...)."""
    if sk.startswith((FACT_PREFIX, LISTED_PREFIX)):
        return sk[:3]
    return sk.split("#", 1)[0]


# ----------------------------------------------------------------------------- customer → items


def _fact(pk: dict[str, str], sk: str, doc: str, **extra: dict[str, str]) -> Item:
    return {"pk": pk, "sk": _s(sk), "d": _s(doc), **extra}


def _consent_sk(record: ConsentRecord) -> str:
    ref = record.event_id or _digest(_doc(record))
    return f"F#C#{record.at.isoformat()}#{ref}"


def _at(at: datetime) -> str:
    """Fixed-width UTC time for sort keys (string order = time order)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def listed_key(sk: str) -> str:
    """The natural key part of a listed fact's sort key (`E#B#<time>#ref#order` → `B#ref#order`)."""
    _, kind, _, rest = sk.split("#", 3)
    return f"{kind}#{rest}"


def customer_items(customer: Customer, overflow: Iterable[str] = ()) -> dict[str, Item]:
    """Every item of the customer's partition that the fold's state needs, by sort key.

    `overflow` are the listed kinds with facts left behind beyond the cap (kept in `P` as `ov`)."""
    pk = _s(TableKeys.customer_pk(customer.customer_id))
    profile = customer.profile
    times = profile.field_times
    hot = customer.model_dump(mode="json", exclude=_HOT_EXCLUDE, exclude_defaults=True)
    hot["t"] = {k: v.isoformat().replace("+00:00", "Z") for k, v in sorted(times.items())
                if not k.startswith((ENTRY_PREFIX, RATING_TIME_PREFIX))}
    hot.pop("header", None)
    window = entry_window(customer)
    if window:
        hot["jw"] = window
    if overflow:
        hot["ov"] = sorted(set(overflow))
    p: Item = {
        "pk": pk,
        "sk": _s(TableKeys.PROFILE_SK),
        "version": {"N": str(customer.header.version)},
        "h": _s(_compact(_shorten({**hot, "hd": customer.header.model_dump(mode="json", exclude_defaults=True)}))),
    }
    if customer.header.merged_into:
        p["merged_into"] = _s(customer.header.merged_into)
    items: dict[str, Item] = {TableKeys.PROFILE_SK: p}
    items.update((sk, _fact(pk, sk, doc)) for sk, doc in _fact_docs(customer))
    extra: dict[str, Any] = {"fd": state_digest(items, customer)}
    if overflow:  # readers then Query listed facts kind by kind: only the kinds that have any
        extra["lk"] = sorted({sk[2] for sk in items if sk.startswith(LISTED_PREFIX)} | set(overflow))
    p["h"] = _s(_compact({**json.loads(p["h"]["S"]), **extra}))
    return items


def _fact_docs(customer: Customer) -> Iterable[tuple[str, str]]:
    """(sort key, document) of every fact item of the customer."""
    profile = customer.profile
    for term in profile.membership.terms:
        yield f"F#M#{term.event_id}", _doc(term)
    for record in profile.email_consent.ledger:
        yield _consent_sk(record), _doc(record)
    for booking in profile.bookings:
        yield f"E#B#{_at(booking.at)}#{booking.event_ref}#{booking.order_id}", _doc(booking)
    for purchase in profile.purchases:
        yield f"E#O#{_at(purchase.at)}#{purchase.order_id}", _doc(purchase)
    for checkout in profile.checkouts:
        yield f"E#K#{_at(checkout.order_key[0])}#{checkout.token}", _doc(checkout)
    for rating in profile.ratings:
        prefix = f"{RATING_TIME_PREFIX}{rating.response_id}."
        rtimes = {k.removeprefix(prefix): v.isoformat() for k, v in profile.field_times.items() if k.startswith(prefix)}
        yield f"E#R#{_at(rating.at)}#{rating.response_id}", _compact({"r": json.loads(_doc(rating)), "t": _shorten(rtimes)})
    for name, position in customer.journeys.items():
        if position.history:
            history = _HISTORY.dump_python(position.history, mode="json", exclude_defaults=True)
            yield f"F#H#{name}", _compact(_shorten(history))


DUE_SHARDS = 8
"""Partitions of the due index (`dsh`): the sweep's parallel segments take shards, not scan segments."""


def at_key(at: datetime) -> str:
    """A time as the due index sorts it (fixed-width UTC)."""
    return _at(at)


def due_shard(customer_id: str) -> str:
    return str(int(hashlib.sha256(customer_id.encode()).hexdigest()[:8], 16) % DUE_SHARDS)


def due_of(p_item: Mapping[str, Any] | None) -> str | None:
    """The due time a hot item carries (None: none)."""
    return str(p_item["due"]["S"]) if p_item and "due" in p_item else None


def with_due(p_item: Item, due: datetime | str | None) -> Item:
    """The hot item with its due time (`due` and its shard `dsh`: the sparse due index's keys), or without."""
    out = {k: v for k, v in p_item.items() if k not in ("due", "dsh")}
    if due is not None and "merged_into" not in out:
        out["due"] = _s(due if isinstance(due, str) else _at(due))
        out["dsh"] = _s(due_shard(out["pk"]["S"].removeprefix("C#")))
    return out


def check_budget(customer: Customer) -> None:
    """ItemTooLargeError naming the customer if any item of its partition would pass the store's item budget."""
    for sk, item in customer_items(customer).items():
        within_budget(item, f"profile {customer.customer_id} ({kind_of(sk)} item)")


def state_digest(items: Mapping[str, Item], customer: Customer) -> str:
    """A digest of the facts and journey entries `P` was written with: a reader that sees another set
    (an eventually consistent read that missed a write) knows to read again, strongly."""
    facts = sorted((sk, item["d"]["S"]) for sk, item in items.items() if sk != TableKeys.PROFILE_SK)
    entries = sorted((k, sorted(v)) for k, (_, v) in entries_by_event(customer).items())
    return _digest(_compact([facts, entries]))


def consistent(customer: Customer, p_item: Item) -> bool:
    """Whether `customer`, read from items, holds exactly what its `P` item was written with."""
    if "h" not in p_item:
        return True  # the old layout: one item, nothing to miss
    stored = json.loads(p_item["h"]["S"]).get("fd")
    return stored is None or stored == json.loads(customer_items(customer)["P"]["h"]["S"]).get("fd")


def entries_by_event(customer: Customer) -> dict[str, tuple[datetime, list[str]]]:
    """The journey entry facts grouped by the event that made them: event id → (time, `journey|stage`s)."""
    out: dict[str, tuple[datetime, list[str]]] = {}
    for key, at in customer.profile.field_times.items():
        if key.startswith(ENTRY_PREFIX):
            journey, stage, event_id = key.removeprefix(ENTRY_PREFIX).split("|", 2)
            out.setdefault(event_id, (at, []))[1].append(f"{journey}|{stage}")
    return out


def entry_window(customer: Customer) -> str | None:
    """The smallest timeline sort key holding an entry fact the customer keeps (None: no entries)."""
    keys = [TableKeys.timeline_sk(at, event_id) for event_id, (at, _) in entries_by_event(customer).items()]
    return min(keys) if keys else None


@dataclass(frozen=True)
class ReadPlan:
    """What a hot item tells its reader about the rest of the partition, from one parse of its header."""

    overflow: frozenset[str] = frozenset()  # `ov`: listed kinds with facts left beyond the cap
    kinds: frozenset[str] | None = None  # `lk`: listed kinds holding facts (None: not recorded, any may)
    window: str | None = None  # `jw`: where the timeline query starts (None: nothing to read)


def read_plan(p_item: Item | None) -> ReadPlan:
    if not p_item or "h" not in p_item:
        return ReadPlan()
    header = json.loads(p_item["h"]["S"])
    kinds, window = header.get("lk"), header.get("jw")
    return ReadPlan(frozenset(header.get("ov") or ()), frozenset(kinds) if kinds is not None else None,
                    str(window) if window else None)


def window_of(p_item: Item) -> str | None:
    """`jw` of a hot item: where the reader's timeline query starts (None: nothing to read)."""
    return read_plan(p_item).window


# ----------------------------------------------------------------------------- items → customer


def _prune_entries(times: dict[str, datetime]) -> None:
    """Keep the newest ENTRIES_CAP entry facts per journey (a writer may leave older ones behind)."""
    by_journey: dict[str, list[str]] = {}
    for key in times:
        if key.startswith(ENTRY_PREFIX):
            by_journey.setdefault(key.split("|")[1], []).append(key)
    for keys in by_journey.values():
        for key in sorted(keys, key=lambda k: (times[k], k))[:-ENTRIES_CAP]:
            del times[key]


def _timeline_entries(timeline: Iterable[Item]) -> dict[str, datetime]:
    times: dict[str, datetime] = {}
    for item in timeline:
        if "j" in item:
            _, rest = item["sk"]["S"].split("#", 1)
            at_text, _, event_id = rest.rpartition("#")
            at = datetime.fromisoformat(at_text)
            for entry in item["j"]["SS"]:
                times[f"{ENTRY_PREFIX}{entry}|{event_id}"] = at
    return times


def customer_from_items(
    customer_id: str, items: Iterable[Item], timeline: Iterable[Item] = ()
) -> Customer | None:
    """The customer the items hold (None without a `P` item); the old one-document layout reads too.

    `timeline` is the timeline window (`window_of`) whose items carry the journey entry facts."""
    facts: dict[str, list[str]] = {}
    hot: dict[str, Any] | None = None
    histories: dict[str, Any] = {}
    listed: dict[str, list[tuple[str, str]]] = {}
    times = _timeline_entries(timeline)
    for item in items:
        sk = item["sk"]["S"]
        if sk == TableKeys.PROFILE_SK:
            if "doc" in item:  # the old layout: the whole customer in one document
                return legacy_customer(item)
            hot = _lengthen(json.loads(item["h"]["S"]))
        elif sk.startswith("F#H#"):
            histories[sk.removeprefix("F#H#")] = _undoc(item["d"]["S"])
        elif sk.startswith((FACT_PREFIX, LISTED_PREFIX)):
            facts.setdefault(sk[:3], []).append(item["d"]["S"])
            if sk.startswith(LISTED_PREFIX):
                listed.setdefault(sk[2], []).append((sk, item["d"]["S"]))
    if hot is None:
        return None
    for kind, found in listed.items():  # newest first, the cap's worth (older ones are left-behind facts)
        facts[f"E#{kind}"] = [d for _, d in sorted(found, reverse=True)[: LISTED[kind]]]
    header = hot.pop("hd", {})
    hot.pop("fd", None)
    hot.pop("ov", None)
    hot.pop("lk", None)
    window = hot.pop("jw", None)
    times = {k: v for k, v in times.items() if window is not None and _entry_sk(k, v) >= window}
    times.update({k: datetime.fromisoformat(v) for k, v in hot.pop("t", {}).items()})
    ratings = []
    for doc in facts.get("E#R", []):
        data = json.loads(doc)
        rating = RatingSummary.model_validate(_lengthen(data["r"]))
        ratings.append(rating)
        for suffix, at in _lengthen(data["t"]).items():
            times[f"{RATING_TIME_PREFIX}{rating.response_id}.{suffix}"] = datetime.fromisoformat(at)
    _prune_entries(times)
    profile = hot.setdefault("profile", {})
    membership = profile.setdefault("membership", {})
    membership["terms"] = sorted(
        (MembershipTerm.model_validate(_undoc(d)) for d in facts.get("F#M", [])), key=lambda t: (t.at, t.event_id)
    )
    consent = profile.setdefault("email_consent", {})
    consent["ledger"] = sorted(
        (ConsentRecord.model_validate(_undoc(d)) for d in facts.get("F#C", [])), key=ledger_order
    )
    _listed_facts(profile, facts)
    ratings.sort(key=lambda r: (r.at, r.response_id), reverse=True)
    profile["ratings"] = ratings
    profile["last_survey"] = ratings[0] if ratings else None
    profile["field_times"] = times
    for name, position in hot.get("journeys", {}).items():
        position["history"] = histories.get(name, [])
        position["journey"] = name
    return Customer.model_validate({**hot, "customer_id": customer_id, "header": header})


def _listed_facts(profile: dict[str, Any], facts: Mapping[str, list[str]]) -> None:
    """Bookings, purchases and checkouts of the listed fact documents, newest first, into `profile`."""
    profile["bookings"] = sorted(
        (Booking.model_validate(_undoc(d)) for d in facts.get("E#B", [])),
        key=lambda x: (x.at, x.event_ref, x.order_id), reverse=True,
    )
    profile["purchases"] = sorted(
        (PurchaseSummary.model_validate(_undoc(d)) for d in facts.get("E#O", [])),
        key=lambda x: (x.at, x.order_id), reverse=True,
    )
    if "E#K" in facts or "checkouts" not in profile:  # a `P` written before checkouts were facts holds them itself
        profile["checkouts"] = sorted(
            (Checkout.model_validate(_undoc(d)) for d in facts.get("E#K", [])),
            key=lambda c: c.order_key, reverse=True,
        )


def _entry_sk(key: str, at: datetime) -> str:
    return TableKeys.timeline_sk(at, key.rsplit("|", 1)[-1])


def hot_customer(item: Item) -> Customer:
    """The customer as far as its `P` item alone tells (no facts: lists empty) — versions, flags, tombstones."""
    customer = customer_from_items(item["pk"]["S"].removeprefix("C#"), [item])
    assert customer is not None
    return customer


def legacy_customer(item: Item) -> Customer:
    """A `P` item written by the one-document layout (the duplicate guard it kept is no longer needed)."""
    data = json.loads(item["doc"]["S"])
    data.pop("applied_events", None)
    return Customer.model_validate(data)


def is_legacy(item: Mapping[str, Any]) -> bool:
    """Whether an item was written by the old layout (a whole-customer `P` or a full-event timeline item)."""
    return "doc" in item


# ----------------------------------------------------------------------------- diff


def listed_kinds_of(p_item: Item | None) -> set[str] | None:
    """The listed kinds a `P` item with overflow says hold facts (None: not recorded, any may)."""
    kinds = read_plan(p_item).kinds
    return set(kinds) if kinds is not None else None


def overflow_of(p_item: Item | None) -> set[str]:
    """The listed kinds a `P` item marks as having facts left behind beyond the cap."""
    return set(read_plan(p_item).overflow)


def changes(
    before: Mapping[str, Item] | None, after: Mapping[str, Item]
) -> tuple[list[Item], list[Item], set[str]]:
    """The fact puts and deletes that turn the `before` items into the `after` ones (`P` left to the caller),
    and the listed kinds whose dropped oldest facts were left in place rather than deleted."""
    before = before or {}
    puts = [item for sk, item in after.items() if sk != TableKeys.PROFILE_SK and before.get(sk) != item]
    kept = {listed_key(sk) for sk in after if sk.startswith(LISTED_PREFIX)}
    tombstone = "merged_into" in after.get(TableKeys.PROFILE_SK, {})
    deletes: list[Item] = []
    overflow: set[str] = set()
    for sk, item in before.items():
        if sk in after or sk == TableKeys.PROFILE_SK:
            continue
        if sk.startswith(LISTED_PREFIX) and not tombstone and listed_key(sk) not in kept:
            overflow.add(sk[2])  # dropped by the cap: readers stop at the cap, no delete needed
            continue
        deletes.append({"pk": item["pk"], "sk": item["sk"]})
    return puts, deletes, overflow
