"""The journey report's wiring: its settings, stores and clients, built per run (weekly: nothing to keep warm)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from journeysync.analytics.publish import ReportSettings


@dataclass
class ReportDeps:
    settings: ReportSettings
    profiles: Any
    states: Any
    config: Any
    s3: Any


def report_deps() -> ReportDeps:
    from journeysync.aws import client
    from journeysync.config.loader import load_config
    from journeysync.destinations.state import SyncStateStore
    from journeysync.store.profiles import ProfileStore

    settings = ReportSettings()
    return ReportDeps(
        settings=settings,
        profiles=ProfileStore(settings.table_name),
        states=SyncStateStore(settings.table_name),
        config=load_config(settings.config_dir),
        s3=client("s3"),
    )
