"""SurveyStore: the survey requests against the single table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from journeysync.models.events import CustomerEvent
from journeysync.store.timeline import timeline_item
from journeysync.surveys import requests as rq
from journeysync.surveys.model import Survey, SurveyStatus

ClaimResult = Literal["claimed", "cap", "taken"]


def _code(exc: Exception) -> str:
    return str((getattr(exc, "response", None) or {}).get("Error", {}).get("Code", ""))


def _reasons(exc: Exception) -> list[str]:
    found = (getattr(exc, "response", None) or {}).get("CancellationReasons") or []
    return [str(r.get("Code", "None")) for r in found]


class SurveyStore:
    def __init__(self, table: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client

    def plan(self, survey: Survey) -> bool:
        """Store a new survey; False if this touchpoint event already has one (a redelivery)."""
        try:
            self.ddb.put_item(**rq.plan(self.table, survey))
        except Exception as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, customer_id: str, event_id: str) -> Survey | None:
        item = self.ddb.get_item(TableName=self.table, Key=rq.survey_key(customer_id, event_id),
                                 ConsistentRead=True).get("Item")
        return rq.survey_from_item(item) if item else None

    def last_sent_at(self, customer_id: str) -> str | None:
        """The member's last survey send (sortable UTC text), or None."""
        item = self.ddb.get_item(**rq.get_cap(self.table, customer_id)).get("Item") or {}
        value = item.get("last_sent_at", {}).get("S")
        return value or None

    def claim(self, sending: Survey, now: datetime, cutoff: datetime) -> ClaimResult:
        """pending → sending together with the member's cap; which of the two refused, if one did."""
        try:
            self.ddb.transact_write_items(**rq.claim(self.table, sending, now, cutoff))
        except Exception as exc:
            if _code(exc) != "TransactionCanceledException":
                raise
            reasons = _reasons(exc)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return "taken"
            return "cap"
        return "claimed"

    def release(self, pending: Survey) -> None:
        self.ddb.transact_write_items(**rq.release(self.table, pending))

    def finish(self, survey: Survey, expected: SurveyStatus) -> bool:
        """Move `survey` to its new status if the stored one is still `expected`."""
        try:
            self.ddb.put_item(**rq.replace(self.table, survey, expected))
        except Exception as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def by_status(self, status: SurveyStatus, *, before: datetime | None = None,
                  newest_first: bool = False) -> Iterator[Survey]:
        """The surveys in `status` (one GSI1 holds: `requests.INDEXED`), due order or newest first."""
        if status not in rq.INDEXED:
            raise ValueError(f"surveys are found by status only when {' or '.join(rq.INDEXED)}, not {status!r}")
        req = rq.query_status(self.table, status, before=before, newest_first=newest_first)
        while True:
            resp = self.ddb.query(**req)
            for item in resp.get("Items", []):
                yield rq.survey_from_item(item)
            if not resp.get("LastEvaluatedKey"):
                return
            req = {**req, "ExclusiveStartKey": resp["LastEvaluatedKey"]}

    def record_on_timeline(self, customer_id: str, event: CustomerEvent) -> None:
        """The send as a timeline item beside the events that caused it (`profile get` shows it)."""
        self.ddb.put_item(TableName=self.table, Item=timeline_item(customer_id, event))

    def delete_customer(self, customer_id: str) -> int:
        """Erase a person's surveys and cap (for `forget`); returns how many items went."""
        resp = self.ddb.query(**rq.query_customer(self.table, customer_id))
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in resp.get("Items", [])]
        for start in range(0, len(keys), 25):
            self.ddb.batch_write_item(RequestItems={
                self.table: [{"DeleteRequest": {"Key": k}} for k in keys[start:start + 25]]
            })
        return len(keys)
