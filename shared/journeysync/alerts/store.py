"""AlertStore: the alert requests against the single table (version-checked writes, re-read on conflict)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from journeysync.alerts import requests as rq
from journeysync.alerts.model import Alert, AlertStatus
from journeysync.errors import RetriableError, VersionConflictError

UPDATE_ATTEMPTS = 5


@dataclass(frozen=True)
class TokenUse:
    verdict: Literal["ok", "replayed", "rate_limited"]
    uses: int
    last_score: int | None


def _conditional_failed(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class AlertStore:
    def __init__(self, table: str, client: Any | None = None) -> None:
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("dynamodb")
        self.table = table
        self.ddb = client

    def get(self, customer_id: str, alert_id: str) -> Alert | None:
        item = self.ddb.get_item(**rq.get_alert(self.table, customer_id, alert_id)).get("Item")
        return rq.alert_from_item(item) if item else None

    def create(self, alert: Alert) -> bool:
        """Store a new alert; False if it already exists (a redelivery)."""
        alert.version = 1
        try:
            self.ddb.put_item(**rq.put_alert(self.table, alert, 0))
        except Exception as exc:
            if _conditional_failed(exc):
                alert.version = 0
                return False
            raise
        return True

    def save(self, alert: Alert) -> Alert:
        """Write `alert` over the version it was read at; VersionConflictError if someone wrote in between."""
        expected = alert.version
        stored = alert.model_copy(update={"version": expected + 1})
        try:
            self.ddb.put_item(**rq.put_alert(self.table, stored, expected))
        except Exception as exc:
            if _conditional_failed(exc):
                raise VersionConflictError(f"alert {alert.id} changed since version {expected}") from None
            raise
        return stored

    def update(
        self, customer_id: str, alert_id: str, change: Callable[[Alert], Alert | None]
    ) -> tuple[Alert | None, bool]:
        """Read, apply `change` (None = leave as is), write version-checked; re-read on conflict.

        Returns (the alert as stored afterwards, whether this call changed it)."""
        for _ in range(UPDATE_ATTEMPTS):
            current = self.get(customer_id, alert_id)
            if current is None:
                return None, False
            changed = change(current.model_copy(deep=True))
            if changed is None:
                return current, False
            try:
                return self.save(changed), True
            except VersionConflictError:
                continue
        raise RetriableError(f"alert {alert_id}: too many concurrent writers")

    def customer_alerts(self, customer_id: str) -> list[Alert]:
        resp = self.ddb.query(**rq.query_customer_alerts(self.table, customer_id))
        return [rq.alert_from_item(i) for i in resp.get("Items", [])]

    def by_status(self, status: AlertStatus, due_before: datetime | None = None) -> Iterator[Alert]:
        req = rq.query_by_status(self.table, status, due_before)
        while True:
            resp = self.ddb.query(**req)
            for item in resp.get("Items", []):
                yield rq.alert_from_item(item)
            if not resp.get("LastEvaluatedKey"):
                return
            req = {**req, "ExclusiveStartKey": resp["LastEvaluatedKey"]}

    def next_round_robin(self, team: str) -> int:
        resp = self.ddb.update_item(**rq.next_round_robin(self.table, team))
        return int(resp["Attributes"]["n"]["N"]) - 1

    def use_rating_token(
        self,
        nonce: str,
        *,
        now: datetime,
        edit_window_seconds: int,
        max_uses: int,
        expires_at: int,
        score: int | None,
    ) -> TokenUse:
        req = rq.use_rating_token(
            self.table, nonce, now=now, edit_window_seconds=edit_window_seconds, max_uses=max_uses,
            expires_at=expires_at, score=score,
        )
        try:
            item = self.ddb.update_item(**req)["Attributes"]
        except Exception as exc:
            if not _conditional_failed(exc):
                raise
            old = (getattr(exc, "response", None) or {}).get("Item") or {}
            uses = int(old.get("uses", {}).get("N", 0))
            verdict: Literal["replayed", "rate_limited"] = "rate_limited" if uses >= max_uses else "replayed"
            last = old.get("last_score")
            return TokenUse(verdict, uses, int(last["N"]) if last else None)
        last = item.get("last_score")
        return TokenUse("ok", int(item["uses"]["N"]), int(last["N"]) if last else None)
