"""One reconcile pass: sources first (backfill what never arrived), then every destination, then the report.

`reconcile(deps)` is what the nightly function, `journeysync reconcile` and the demo call.
With `dry_run` nothing is changed anywhere: no push, no state write, no event, no backfill,
no report object, no email — the report is only returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from journeysync.ingest.settings import IngestSettings
from journeysync.models.events import CustomerEvent
from journeysync.reconcile.report import Report, emit_metrics, publish, send_digest


class ReconcileSettings(IngestSettings):
    """`JOURNEYSYNC_*` variables the template gives the reconcile function (ingest's, plus these)."""

    ses_contact_list: str = ""
    report_bucket: str = Field(default="", description="empty = the archive bucket")
    report_prefix: str = "reports/reconcile"
    ops_email: str = Field(default="", description="where the digest goes (a verified SES identity); empty = none")
    lookback_hours: float = Field(default=36.0, gt=0, description="how far back the source list calls look")
    partitions: int = Field(default=64, ge=1, le=4096)
    metrics_namespace: str = Field(default="journeysync", validation_alias="POWERTOOLS_METRICS_NAMESPACE")


@dataclass
class ReconcileDeps:
    settings: ReconcileSettings
    syncer: Any  # destinations.sync.Syncer
    profiles: Any  # store.ProfileStore
    send_events: Callable[[Sequence[CustomerEvent]], None]
    ingest: Any | None = None  # ingest.pipeline.IngestDeps (None: no source backfill)
    s3: Any | None = None
    ses: Any | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    metrics: bool = True
    sources: tuple[str, ...] = ("square", "shopify")
    notes: list[str] = field(default_factory=list)


def reconcile(deps: ReconcileDeps, *, dry_run: bool = False) -> dict[str, Any]:
    report = Report(dry_run=dry_run, started_at=deps.clock())
    _sources(deps, report, dry_run)
    _destinations(deps, report, dry_run)
    report.finished_at = deps.clock()
    doc = report.to_json()
    if deps.notes:
        doc["notes"] = list(deps.notes)
    if dry_run:
        return doc
    s = deps.settings
    if deps.s3 is not None:
        doc["report"] = publish(doc, deps.s3, s.report_bucket or s.archive_bucket, s.report_prefix)
    if deps.metrics:
        emit_metrics(doc, s.metrics_namespace)
    if deps.ses is not None and s.ops_email:
        send_digest(doc, deps.ses, s.ops_email)
    return doc


def _destinations(deps: ReconcileDeps, report: Report, dry_run: bool) -> None:
    from journeysync.reconcile.destinations import DestinationRepairer, reconcile_destination

    now = deps.clock()
    for destination in deps.syncer.destinations:
        repairer = DestinationRepairer(
            deps.syncer, destination, deps.profiles, deps.send_events, report, dry_run=dry_run, clock=deps.clock
        )
        reconcile_destination(
            deps.syncer,
            destination,
            deps.profiles.iter_customers(),
            repairer,
            now=now,
            partitions=deps.settings.partitions,
        )


def _sources(deps: ReconcileDeps, report: Report, dry_run: bool) -> None:
    if deps.ingest is None:
        return
    from journeysync.ingest.pipeline import accept
    from journeysync.reconcile.sources import Backfill, TimelineIndex, backfill_shopify, backfill_square
    from journeysync.vendors import adapter_for

    ingest = deps.ingest
    index = TimelineIndex(deps.profiles)
    now = deps.clock()

    def through_ingest(adapter: Any, request: Any, parsed: Any) -> None:
        accept(adapter, request, parsed, ingest)

    runners = {"square": backfill_square, "shopify": backfill_shopify}
    for vendor in deps.sources:
        adapter = adapter_for(vendor)
        api = ingest.api(vendor, False)
        if adapter is None or api is None:
            report.info[f"{vendor}:not_configured"] += 1
            continue
        backfill = Backfill(adapter, api, ingest.parse_context(), index, through_ingest, report, dry_run=dry_run)
        try:
            runners[vendor](backfill, now, deps.settings.lookback_hours)
        except Exception as exc:  # one vendor's outage must not stop the other or the destinations
            report.failure(vendor, "missed_webhook", f"list call failed: {type(exc).__name__}: {exc}"[:300])


