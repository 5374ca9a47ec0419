"""`journeysync migrate`: rewrite partitions of the one-document layout into the hot item + facts layout.

The old layout kept the whole customer in `P` (`doc`, with the `applied_events` guard) and
the whole event in every timeline item. Migration finds the items that still carry `doc`
and rewrites each in place:

- an old `P` → its facts, the compact `P`, and its journey entries added to the timeline
  items of their events (`ProfileStore.restore`; the customer and its version are unchanged,
  so nothing is re-published and destinations see no change);
- an old timeline item → the compact item under the same key (type, source, archive key,
  summary, identity keys — `forget` still finds every key and payload), keeping any entries.

Idempotent and resumable: a migrated item no longer carries `doc`, so a second run (or a run
after an interruption) finds only what is left; `max_items` bounds one run. The profile hop
reads both layouts meanwhile, so migration can run while traffic flows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from journeysync.profile.resolve import event_keys
from journeysync.store import layout
from journeysync.store.profiles import ProfileStore
from journeysync.store.timeline import compact_from_legacy

Progress = Callable[["MigrationReport"], None]


@dataclass
class MigrationReport:
    scanned: int = 0
    profiles: int = 0
    timeline: int = 0
    left: bool = False  # stopped at max_items: run again to finish


def _legacy_scan(table: str, segment: int, total_segments: int) -> dict[str, Any]:
    return {
        "TableName": table,
        "FilterExpression": "attribute_exists(#doc) AND begins_with(#pk, :c)",
        "ExpressionAttributeNames": {"#doc": "doc", "#pk": "pk"},
        "ExpressionAttributeValues": {":c": {"S": "C#"}},
        "Segment": segment,
        "TotalSegments": total_segments,
    }


def migrate(
    store: ProfileStore, *, segment: int = 0, total_segments: int = 1, max_items: int | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Rewrite every old-layout item of the table (or of one scan segment); see the module docstring."""
    from journeysync.models.events import CustomerEvent

    report = MigrationReport()
    req = _legacy_scan(store.table, segment, total_segments)
    while True:
        page = store.ddb.scan(**req)
        for item in page.get("Items", []):
            if max_items is not None and report.profiles + report.timeline >= max_items:
                report.left = True
                return report
            report.scanned += 1
            sk = item["sk"]["S"]
            if sk == "P":
                store.restore(layout.legacy_customer(item))
                report.profiles += 1
            elif sk.startswith("T#"):
                current = store.ddb.get_item(TableName=store.table, Key={"pk": item["pk"], "sk": item["sk"]},
                                             ConsistentRead=True).get("Item") or item
                if "doc" not in current:
                    continue
                event = CustomerEvent.model_validate_json(current["doc"]["S"])
                keys = sorted({str(k) for k in event_keys(event)})
                entries = list(current.get("j", {}).get("SS", []))
                store.write_items([compact_from_legacy(current, keys, entries)])
                report.timeline += 1
        if progress is not None:
            progress(report)
        last = page.get("LastEvaluatedKey")
        if not last:
            return report
        req = {**req, "ExclusiveStartKey": last}
