"""Mailchimp Marketing v3: one audience (list), a tag per segment.

Facts this follows (Mailchimp Marketing API v3 reference, vendors.md):

- batch upsert `POST /lists/{list}` with `{members[≤500], update_existing: true}` answers 200
  with per-member `errors`; it adds `tags` (active) to new and existing members;
- tag removal is `POST /lists/{list}/members/{md5(lower(email))}/tags` with
  `{tags: [{name, status: "inactive"}]}` — one call per member that lost a tag;
- `status_if_new` is always sent; `status` only when the customer's own newest consent
  action decides it (`Desired.own_action`) and the consent flags changed. An unsubscribed,
  cleaned or compliance-state member cannot be re-subscribed by API: the 400 "Member In
  Compliance State" (or "Forgotten Email Not Subscribed") is a *refusal*, recorded and never
  forced; when we did send an explicit re-opt-in, the member is retried once as `pending`
  (Mailchimp then mails a confirmation the customer must click);
- an address cleaned elsewhere (a bounce: not the customer's own act) is archived
  (`DELETE /lists/{list}/members/{hash}`), a forget deletes permanently
  (`POST …/actions/delete-permanent`);
- at most 10 concurrent connections; throttling is a 429 or sometimes a bare 403; no rate headers.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from journeysync.connectors.http import HttpConnector, VendorFatalError
from journeysync.destinations.base import Destination
from journeysync.destinations.model import OK, Change, Outcome

MAX_BATCH = 500
MAX_CONNECTIONS = 10
_REFUSALS = ("compliance state", "forgotten email", "permanently deleted", "cannot be re-imported")


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's member id


def base_url_for(api_key: str | None, server_prefix: str | None = None) -> str:
    """`https://<dc>.api.mailchimp.com/3.0`; the data centre is the key's `-us12` suffix unless given."""
    dc = server_prefix or (api_key.rsplit("-", 1)[-1] if api_key and "-" in api_key else None)
    if not dc:
        raise ValueError("Mailchimp needs a server prefix (e.g. us12) or an API key ending in one")
    return f"https://{dc}.api.mailchimp.com/3.0"


class MailchimpClient(HttpConnector):
    """HTTP for Mailchimp: Basic auth with the API key, throttling on 429 and bare 403, ≤10 connections."""

    name = "mailchimp"

    def __init__(self, base_url: str, api_key: str, *, concurrency: int = MAX_CONNECTIONS, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self._auth = "Basic " + base64.b64encode(f"journeysync:{api_key}".encode()).decode()
        self._slots = threading.BoundedSemaphore(min(concurrency, MAX_CONNECTIONS))

    def default_headers(self) -> dict[str, str]:
        return {"Authorization": self._auth, "Content-Type": "application/json", "Accept": "application/json"}

    def is_throttled(self, response: requests.Response) -> bool:
        if response.status_code == 429:
            return True
        if response.status_code != 403:
            return False
        try:
            body = response.json()
        except ValueError:
            return True  # a bare 403 (no problem document) is Mailchimp throttling
        if not isinstance(body, dict) or "title" not in body:
            return True
        detail = f"{body.get('title', '')} {body.get('detail', '')}".lower()
        return "too many" in detail or "throttl" in detail

    def describe_error(self, response: requests.Response) -> str:
        try:
            body = response.json()
            text = f"{body.get('title', '')}: {body.get('detail', '')}"
        except (ValueError, AttributeError):
            text = response.text[:200]
        return f"mailchimp answered {response.status_code}: {text}"[:300]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        with self._slots:
            return super().request(method, path, **kwargs)


class MailchimpDestination(Destination):
    name = "mailchimp"
    batch_size = MAX_BATCH

    def __init__(
        self,
        client: MailchimpClient,
        list_id: str,
        *,
        concurrency: int = MAX_CONNECTIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # the client's own token bucket paces every request, retries included
        self.http = client
        self.list_id = list_id
        self.concurrency = min(concurrency, MAX_CONNECTIONS)

    @property
    def requests_made(self) -> int:
        return self.http.calls

    def _member_path(self, email: str, suffix: str = "") -> str:
        return f"/lists/{self.list_id}/members/{subscriber_hash(email)}{suffix}"

    # -- hooks -----------------------------------------------------------------------------

    def _delete(self, change: Change) -> Outcome:
        if change.permanent:
            self.http.request("POST", self._member_path(change.email, "/actions/delete-permanent"), ok=(204, 200, 404))
        else:
            self.http.request("DELETE", self._member_path(change.email), ok=(204, 200, 404, 405))
        return OK

    def _upsert_batch(self, changes: Sequence[Change]) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        archive = [c for c in changes if c.desired.suppressed and c.desired.own_action is None]
        upsert = [c for c in changes if c not in archive]
        if upsert:
            outcomes.update(self._batch(upsert))
        outcomes.update(self._parallel(archive, self._delete))
        untag = [c for c in upsert if c.removed and not outcomes.get(c.customer_id, OK).failed]
        outcomes.update({k: v for k, v in self._parallel(untag, self._untag).items() if v.failed})
        return outcomes

    # -- pieces ------------------------------------------------------------------------------

    def member(self, change: Change, *, pending: bool = False) -> dict[str, Any]:
        d = change.desired
        body: dict[str, Any] = {
            "email_address": change.email,
            "status_if_new": "subscribed" if d.subscribed and not d.suppressed else "unsubscribed",
        }
        prev = change.previous
        flags_changed = (
            change.is_new
            or prev is None
            or (prev.subscribed, prev.suppressed)
            != (
                d.subscribed,
                d.suppressed,
            )
        )
        if d.own_action == "unsubscribed" and d.suppressed and flags_changed:
            body["status"] = "unsubscribed"
        elif d.own_action == "subscribed" and d.subscribed and flags_changed and not change.is_new:
            body["status"] = "pending" if pending else "subscribed"
        merge = {k: v for k, v in (("FNAME", d.given_name), ("LNAME", d.family_name)) if v}
        if merge:
            body["merge_fields"] = merge
        tags = sorted(d.audiences if change.is_new else change.added)
        if tags:
            body["tags"] = tags
        return body

    def _batch(self, changes: Sequence[Change], *, pending: bool = False) -> dict[str, Outcome]:
        by_email = {c.email.lower(): c for c in changes}
        members = [self.member(c, pending=pending) for c in changes]
        response = self.http.request(
            "POST", f"/lists/{self.list_id}", json={"members": members, "update_existing": True}
        )
        try:
            body = response.json()
        except ValueError:
            body = {}
        outcomes = {c.customer_id: OK for c in changes}
        reopt: list[Change] = []
        for error in body.get("errors") or []:
            change = by_email.get(str(error.get("email_address", "")).lower())
            if change is None:
                continue
            text = f"{error.get('error_code', '')} {error.get('error', '')}".strip()
            sent = next((m for m in members if m["email_address"] == change.email), {})
            if any(marker in text.lower() for marker in _REFUSALS):
                if sent.get("status") == "subscribed" and not pending:
                    reopt.append(change)
                outcomes[change.customer_id] = Outcome("refused", f"mailchimp: {text}"[:300])
            else:
                outcomes[change.customer_id] = Outcome("fatal", f"mailchimp rejected the member: {text}"[:300])
        if reopt:
            outcomes.update(self._batch(reopt, pending=True))
        return outcomes

    def _untag(self, change: Change) -> Outcome:
        tags = [{"name": t, "status": "inactive"} for t in sorted(change.removed)]
        self.http.request("POST", self._member_path(change.email, "/tags"), json={"tags": tags}, ok=(204, 200))
        return OK

    def _parallel(self, changes: Sequence[Change], fn: Any) -> dict[str, Outcome]:
        if len(changes) <= 1:
            return self.each(changes, fn)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            results = list(pool.map(lambda c: (c.customer_id, self._guarded(fn, c)), changes))
        return dict(results)

    def _classify(self, exc: Exception) -> Outcome | None:
        if isinstance(exc, VendorFatalError):
            if exc.status == 400 and any(m in exc.body.lower() for m in _REFUSALS):
                return Outcome("refused", f"mailchimp: {exc}"[:300])
            return Outcome("fatal", str(exc)[:300])
        return None

    # -- reading the destination's actual members (CLI) --------------------------------------

    def list_members(self, page_size: int = 1000) -> list[dict[str, Any]]:
        return list(self.iter_members(page_size))

    def iter_members(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """`list_members` as a stream: one page in memory at a time (reconcile reads whole audiences)."""
        offset = 0
        while True:
            response = self.http.request(
                "GET",
                f"/lists/{self.list_id}/members",
                params={
                    "count": page_size,
                    "offset": offset,
                    "fields": "members.email_address,members.status,members.tags,total_items",
                },
            )
            body = response.json()
            members = body.get("members") or []
            for m in members:
                yield {
                    "email": m["email_address"],
                    "status": m.get("status"),
                    "unsubscribe_all": m.get("status") in ("unsubscribed", "cleaned"),
                    "tags": sorted(t["name"] for t in m.get("tags") or []),
                }
            offset += len(members)
            if not members or offset >= int(body.get("total_items", 0)):
                return
