"""Mailchimp engagement, pulled: Mailchimp sends no open or click webhooks, so a schedule reads its reports.

Per run, for each campaign sent within `mailchimp_lookback_days` (`GET /campaigns?status=sent&
since_send_time=…`, newest first):

- `GET /reports/{id}/sent-to` once (paged by `offset`, `count` ≤ 1000): who received it, as
  sends (they count toward contact pressure like any SES send);
- `GET /reports/{id}/email-activity?since=<cursor>` (paged the same way): opens, clicks and
  bounces since the last run (Mailchimp returns each member's activity list).

The cursor (`pk ENGAGEMENT#mailchimp`, `sk CURSOR`) is saved after every campaign, so a run cut
short by throttling (429 / bare 403, retried by `MailchimpClient` within a budget, else handed
back as `RetriableError`) resumes where it stopped. Overlapping windows are harmless: signal ids
are stable, and a member's state counts each once.

A campaign's division and topic come from its audience tag (`recipients.segment_opts.
saved_segment_id` → the static segment's name → the segment of segments.yaml whose
`mailchimp_tag` it is).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from journeysync.config.segments import SegmentsConfig
from journeysync.engagement.signals import Signal, from_mailchimp_activity, mailchimp_send

PAGE = 1000
CURSOR_PK = "ENGAGEMENT#mailchimp"
CURSOR_SK = "CURSOR"


@dataclass
class Cursor:
    activity_since: dict[str, str] = field(default_factory=dict)
    sends_done: list[str] = field(default_factory=list)


@dataclass
class PullReport:
    campaigns: int = 0
    calls: int = 0
    signals: int = 0


def division_of_tag(tag: str | None, segments: SegmentsConfig) -> tuple[str, str | None]:
    """(division, SES topic) for a Mailchimp tag, from the segment that maps to it."""
    for segment in segments.segments:
        if tag and segment.destinations.mailchimp_tag == tag:
            division = segment.name.removeprefix("division-")
            return division, segment.destinations.ses_topic
    return "unknown", None


def _pages(client: Any, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        body = client.request("GET", path, params={**params, "count": PAGE, "offset": offset}).json()
        rows = body.get(key) or []
        yield from rows
        offset += len(rows)
        if not rows or offset >= int(body.get("total_items") or 0):
            return


class CursorStore:
    def __init__(self, table: str, ddb: Any) -> None:
        self.table, self.ddb = table, ddb

    def load(self) -> Cursor:
        item = self.ddb.get_item(
            TableName=self.table, Key={"pk": {"S": CURSOR_PK}, "sk": {"S": CURSOR_SK}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return Cursor()
        doc = json.loads(item["doc"]["S"])
        return Cursor(activity_since=doc.get("activity_since", {}), sends_done=doc.get("sends_done", []))

    def save(self, cursor: Cursor) -> None:
        doc = {"activity_since": cursor.activity_since, "sends_done": cursor.sends_done}
        self.ddb.put_item(
            TableName=self.table,
            Item={"pk": {"S": CURSOR_PK}, "sk": {"S": CURSOR_SK}, "doc": {"S": json.dumps(doc)}},
        )


def pull(
    client: Any,
    list_id: str,
    segments: SegmentsConfig,
    cursors: CursorStore,
    apply: Callable[[Sequence[Signal]], Any],
    now: datetime,
    lookback_days: int,
) -> PullReport:
    """One scheduled pass; `apply` receives each campaign's signals (in chunks) before the cursor moves."""
    report = PullReport()
    calls_before = client.calls
    cursor = cursors.load()
    tags = {
        str(s["id"]): s.get("name")
        for s in _pages(client, f"/lists/{list_id}/segments", "segments", {"type": "static", "fields": "segments.id,segments.name,total_items"})
    }
    since = (now - timedelta(days=lookback_days)).isoformat()
    campaigns = list(
        _pages(
            client,
            "/campaigns",
            "campaigns",
            {"status": "sent", "list_id": list_id, "since_send_time": since, "sort_field": "send_time", "sort_dir": "DESC"},
        )
    )
    live = {str(c["id"]) for c in campaigns}
    cursor.activity_since = {k: v for k, v in cursor.activity_since.items() if k in live}
    cursor.sends_done = [k for k in cursor.sends_done if k in live]
    for campaign in campaigns:
        cid = str(campaign["id"])
        seg = ((campaign.get("recipients") or {}).get("segment_opts") or {}).get("saved_segment_id")
        division, topic = division_of_tag(tags.get(str(seg)) if seg is not None else None, segments)
        sent_at = datetime.fromisoformat(str(campaign["send_time"]).replace("Z", "+00:00"))
        signals: list[Signal] = []
        if cid not in cursor.sends_done:
            for row in _pages(client, f"/reports/{cid}/sent-to", "sent_to", {"fields": "sent_to.email_address,sent_to.status,total_items"}):
                if row.get("status") == "sent":
                    signals.append(mailchimp_send(cid, row["email_address"], sent_at, division, topic))
        params: dict[str, Any] = {}
        if cid in cursor.activity_since:
            params["since"] = cursor.activity_since[cid]
        for row in _pages(client, f"/reports/{cid}/email-activity", "emails", params):
            signals += from_mailchimp_activity(cid, row, division, topic)
        for start in range(0, len(signals), 500):
            apply(signals[start : start + 500])
        report.signals += len(signals)
        report.campaigns += 1
        if cid not in cursor.sends_done:
            cursor.sends_done.append(cid)
        cursor.activity_since[cid] = now.isoformat()
        cursors.save(cursor)
    report.calls = client.calls - calls_before
    return report
