"""The consent ledger: every marketing-consent signal, and the one rule that reads it.

Consent is sacred: an unsubscribed, cleaned or complained address never becomes
subscribed again except by a *newer explicit* opt-in from the customer. Import
syncs, "accepts marketing" checkboxes defaulted by a till, or a destination's
stale state are not explicit, and neither is a signal that carries no consent time of
its own (a record's `updated_at` says when *anything* changed, e.g. an address edit):
adapters mark such an opt-in `explicit=False`. Folding the whole ledger in time order —
suppressions last among equal times, so a tie resolves to unsubscribed — makes the answer
independent of the order signals arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable

from journeysync.models.customer import ConsentRecord, ConsentStatus, EmailConsent

SUPPRESSING: frozenset[str] = frozenset({"unsubscribed", "cleaned", "complained"})
LEDGER_CAP = 50


def _next_status(current: ConsentStatus, record: ConsentRecord) -> ConsentStatus:
    if record.status in SUPPRESSING:
        return record.status  # a suppression is a fact, whoever reports it
    if record.status == "subscribed":
        if record.explicit or current in ("unknown", "pending"):
            return "subscribed"
        return current
    if record.status == "pending" and current == "unknown":
        return "pending"
    return current


def fold_consent(ledger: Iterable[ConsentRecord]) -> EmailConsent:
    """The effective consent of a ledger, independent of the order its records were added."""
    ordered = sorted(ledger, key=ledger_order)
    status: ConsentStatus = "unknown"
    deciding: ConsentRecord | None = None
    for record in ordered:
        status = _next_status(status, record)
        if status == record.status:
            deciding = record  # the status now rests on this record
    kept = _dedupe(ordered)[-LEDGER_CAP:]
    return EmailConsent(
        status=status,
        source=deciding.source if deciding else None,
        at=deciding.at if deciding else None,
        ledger=kept,
    )


def ledger_order(record: ConsentRecord) -> tuple[object, ...]:
    # at the same instant a suppression is applied last, so an opt-in never wins a tie
    return (record.at, record.status in SUPPRESSING, record.event_id or "", record.source, record.status)


def record_consent(current: EmailConsent, record: ConsentRecord) -> EmailConsent:
    """Add one signal to the ledger and re-derive the effective consent."""
    return fold_consent([*current.ledger, record])


def may_subscribe(consent: EmailConsent) -> bool:
    """Whether any destination may hold this address as subscribed to marketing."""
    return consent.status == "subscribed"


def _dedupe(records: list[ConsentRecord]) -> list[ConsentRecord]:
    seen: set[tuple[str, str, str, str]] = set()
    out: list[ConsentRecord] = []
    for r in records:
        key = (r.at.isoformat(), r.event_id or "", r.source, r.status)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
