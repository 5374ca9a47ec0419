"""The reconcile hop's wiring: the syncer, stores, ingest path and clients, from the environment (the
function's, or the one `journeysync reconcile` sets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from journeysync.models.events import CustomerEvent
from journeysync.reconcile.run import ReconcileDeps, ReconcileSettings


def default_deps(settings: ReconcileSettings | None = None) -> ReconcileDeps:
    """Everything the run talks to, built from `settings` (default: the environment)."""
    from journeysync.aws import client
    from journeysync.config.loader import cached_config
    from journeysync.destinations.settings import CrmToEmailSettings, build_syncer
    from journeysync.ingest.wiring import build_ingest_deps
    from journeysync.queueing import send_events
    from journeysync.store.profiles import ProfileStore

    s = settings or ReconcileSettings()
    config = cached_config(str(s.config_dir) if s.config_dir else None)
    syncer = build_syncer(CrmToEmailSettings(), config)
    ingest = build_ingest_deps(s)
    sqs = client("sqs")
    return ReconcileDeps(
        settings=s,
        syncer=syncer,
        profiles=ProfileStore(s.table_name),
        send_events=lambda events: None if not events else _send(s.events_queue_url, events, sqs, send_events),
        ingest=ingest,
        s3=client("s3"),
        ses=client("sesv2") if s.ops_email else None,
    )


def _send(url: str, events: Sequence[CustomerEvent], sqs: Any, send: Callable[..., Any]) -> None:
    send(url, list(events), sqs=sqs)
