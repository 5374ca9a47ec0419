"""HubSpot CRM v3 contacts: batch upsert by email (≤ 100 per call) and GDPR delete.

On the shared `HttpConnector`: a token bucket sized to HubSpot's published limit
(100 requests per 10 s for a private app on the lowest tier; configurable up to 190),
429 / 5xx retried with backoff honouring `Retry-After`, other 4xx raised as fatal.
A 207 Multi-Status answer is split per contact: `UpsertResult.failed` maps each email
HubSpot refused to its reason, so only those go to the dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from journeysync.connectors.http import HttpConnector
from journeysync.connectors.ratelimit import TokenBucket

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"
GDPR_DELETE_PATH = "/crm/v3/objects/contacts/gdpr-delete"
BATCH_LIMIT = 100


@dataclass
class UpsertResult:
    ok: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _error_ids(error: dict[str, Any]) -> list[str]:
    context = error.get("context") or {}
    ids: list[str] = []
    for name in ("ids", "id", "email", "emails"):
        value = context.get(name)
        if isinstance(value, list):
            ids += [str(v).lower() for v in value]
        elif isinstance(value, str):
            ids.append(value.lower())
    return ids


class HubSpotConnector(HttpConnector):
    name = "hubspot"

    def __init__(self, token: str, base_url: str = "https://api.hubapi.com", requests_per_10s: int = 100,
                 **kwargs: Any) -> None:
        kwargs.setdefault("limiter", TokenBucket(requests_per_10s / 10.0, burst=max(1, requests_per_10s // 10)))
        super().__init__(base_url, **kwargs)
        self._token = token

    def default_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}

    def describe_error(self, response: requests.Response) -> str:
        try:
            doc = response.json()
            message = str(doc.get("message") or doc.get("category") or "")[:200]
        except ValueError:
            message = response.text[:200]
        return f"hubspot answered {response.status_code}: {message}"

    def upsert_contacts(self, contacts: dict[str, dict[str, str]]) -> UpsertResult:
        """Create or update contacts keyed by email, ≤ 100 per request; returns which emails succeeded."""
        result = UpsertResult()
        emails = list(contacts)
        for start in range(0, len(emails), BATCH_LIMIT):
            chunk = emails[start : start + BATCH_LIMIT]
            body = {"inputs": [{"id": e, "idProperty": "email", "properties": contacts[e]} for e in chunk]}
            response = self.request("POST", UPSERT_PATH, json=body, ok=(200, 201, 207))
            doc = response.json() if response.content else {}
            done = {
                str((r.get("properties") or {}).get("email") or r.get("id") or "").lower()
                for r in doc.get("results") or []
            }
            reasons: dict[str, str] = {}
            unattributed: list[str] = []
            for error in doc.get("errors") or []:
                reason = f"{error.get('category', 'ERROR')}: {str(error.get('message', ''))[:200]}"
                ids = _error_ids(error)
                for ident in ids:
                    reasons[ident] = reason
                if not ids:
                    unattributed.append(reason)
            for email in chunk:
                if email in reasons:
                    result.failed[email] = reasons[email]
                elif email in done or (response.status_code != 207 and not doc.get("errors")):
                    result.ok.append(email)
                else:
                    result.failed[email] = unattributed[0] if unattributed else "hubspot did not confirm this contact"
        return result

    def gdpr_delete(self, email: str) -> None:
        """Permanently delete a contact (HubSpot's GDPR delete); a contact HubSpot never had is fine."""
        self.request("POST", GDPR_DELETE_PATH, json={"objectId": email, "idProperty": "email"}, ok=(200, 204, 404))
