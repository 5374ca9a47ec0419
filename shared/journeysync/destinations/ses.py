"""Amazon SES v2 list management: one contact list, a topic per segment (the embedded default).

Facts this follows (SES v2 API reference): one contact list per account, at most 20
topics; `CreateContact` fails with `AlreadyExistsException` for a known address, then
`UpdateContact`; `UpdateContact` replaces the contact's topic preferences, so every
managed topic is sent (OPT_IN or OPT_OUT) — but it is only called when a topic or the
consent flags actually changed. List-management calls are throttled at one per second
per account, hence the token bucket.

Consent at the destination: SES's own subscription page can set `UnsubscribeAll` or a
topic's OPT_OUT. Before an update that would turn anything *on*, the contact is read
(`GetContact`) and a destination-side unsubscribe we did not write is kept (`refused`);
turning things off never needs the read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from journeysync.connectors.ratelimit import TokenBucket
from journeysync.destinations.base import Destination
from journeysync.destinations.model import OK, Change, Outcome

OPT_IN = "OPT_IN"
OPT_OUT = "OPT_OUT"
_RETRIABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",
        "ConcurrentModificationException",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class SesDestination(Destination):
    name = "ses"
    batch_size = 25  # no batch API: the chunk only bounds how much one failure can take down

    def __init__(
        self,
        contact_list: str,
        topics: Sequence[str],
        client: Any | None = None,
        limiter: TokenBucket | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(limiter=limiter, **kwargs)
        if client is None:
            from journeysync.aws import client as make_client

            client = make_client("sesv2")
        self.ses = client
        self.contact_list = contact_list
        self.topics = list(topics)

    # -- hooks -----------------------------------------------------------------------------

    def _upsert_batch(self, changes: Sequence[Change]) -> dict[str, Outcome]:
        return self.each(changes, self._upsert)

    def _delete(self, change: Change) -> Outcome:
        try:
            self.call(self.ses.delete_contact, ContactListName=self.contact_list, EmailAddress=change.email)
        except ClientError as exc:
            if _code(exc) != "NotFoundException":
                raise
        return OK

    def _classify(self, exc: Exception) -> Outcome | None:
        if isinstance(exc, ClientError):
            code = _code(exc)
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
            if code in _RETRIABLE_CODES or status >= 500:
                return Outcome("retriable", f"ses {code}: {message}")
            return Outcome("fatal", f"ses {code}: {message}")
        if isinstance(exc, BotoCoreError):
            return Outcome("retriable", f"ses unreachable: {type(exc).__name__}")
        return None

    def _retriable(self, exc: Exception) -> bool:
        return False  # botocore's standard retry mode already retried throttling and 5xx

    # -- the upsert --------------------------------------------------------------------------

    def preferences(self, opted_in: frozenset[str]) -> dict[str, str]:
        return {t: OPT_IN if t in opted_in else OPT_OUT for t in self.topics}

    def _upsert(self, change: Change) -> Outcome:
        d = change.desired
        prefs = self.preferences(d.opted_in)
        previous = change.previous if not change.is_new else None
        if change.is_new:
            try:
                self._write("create_contact", change.email, prefs, d.suppressed)
                return OK
            except ClientError as exc:
                if _code(exc) != "AlreadyExistsException":
                    raise
            current = self._get(change.email)
        else:
            assert previous is not None
            turning_on = bool(d.opted_in - previous.opted_in) or (previous.suppressed and not d.suppressed)
            current = self._get(change.email) if turning_on else None
        prefs, unsubscribe_all, refused = self._merge(change, prefs, d.suppressed, current)
        try:
            self._write("update_contact", change.email, prefs, unsubscribe_all)
        except ClientError as exc:
            if _code(exc) != "NotFoundException":
                raise
            self._write("create_contact", change.email, prefs, unsubscribe_all)  # deleted behind our back
        if refused:
            return Outcome("refused", "ses: the contact unsubscribed from all topics at SES; kept", calls=0)
        return OK

    def _merge(
        self, change: Change, prefs: dict[str, str], unsubscribe_all: bool, current: dict[str, Any] | None
    ) -> tuple[dict[str, str], bool, bool]:
        """Keep destination-side opt-outs we did not write ourselves."""
        if current is None:
            return prefs, unsubscribe_all, False
        previous = change.previous if not change.is_new else None
        we_suppressed = previous is not None and previous.suppressed
        if current.get("UnsubscribeAll") and not unsubscribe_all and not we_suppressed:
            return dict.fromkeys(self.topics, OPT_OUT), True, True
        now = {p["TopicName"]: p["SubscriptionStatus"] for p in current.get("TopicPreferences") or []}
        pushed_in = previous.opted_in if previous is not None else frozenset()
        merged = dict(prefs)
        for topic, status in prefs.items():
            if status == OPT_IN and now.get(topic) == OPT_OUT and topic in pushed_in:
                merged[topic] = OPT_OUT  # the contact opted out of this topic at SES after we opted them in
        return merged, unsubscribe_all, False

    def _get(self, email: str) -> dict[str, Any] | None:
        try:
            contact: dict[str, Any] = self.call(
                self.ses.get_contact, ContactListName=self.contact_list, EmailAddress=email
            )
        except ClientError as exc:
            if _code(exc) == "NotFoundException":
                return None
            raise
        return contact

    def _write(self, operation: str, email: str, prefs: dict[str, str], unsubscribe_all: bool) -> None:
        self.call(
            getattr(self.ses, operation),
            ContactListName=self.contact_list,
            EmailAddress=email,
            TopicPreferences=[{"TopicName": t, "SubscriptionStatus": s} for t, s in prefs.items()],
            UnsubscribeAll=unsubscribe_all,
        )

    # -- reading the destination's actual contacts (CLI, tests, reconcile) -------------------

    def list_contacts(self, topic: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Every contact (optionally only those OPT_IN/OPT_OUT for `topic`), page by page."""
        return list(self.iter_contacts(topic, status))

    def iter_contacts(self, topic: str | None = None, status: str | None = None) -> Iterator[dict[str, Any]]:
        """`list_contacts` as a stream: one page in memory at a time (reconcile reads whole lists)."""
        request: dict[str, Any] = {"ContactListName": self.contact_list, "PageSize": 100}
        if topic or status:
            contact_filter: dict[str, Any] = {"FilteredStatus": status or OPT_IN}
            if topic:
                contact_filter["TopicFilter"] = {"TopicName": topic, "UseDefaultIfPreferenceUnavailable": True}
            request["Filter"] = contact_filter
        while True:
            page = self.call(self.ses.list_contacts, **request)
            for contact in page.get("Contacts", []):
                yield contact_view(contact, self.topics)
            token = page.get("NextToken")
            if not token:
                return
            request = {**request, "NextToken": token}


def contact_view(contact: dict[str, Any], topics: Sequence[str] = ()) -> dict[str, Any]:
    """`{"email", "unsubscribe_all", "topics": {name: OPT_IN|OPT_OUT}}` (topic defaults filled in)."""
    statuses = {p["TopicName"]: p["SubscriptionStatus"] for p in contact.get("TopicDefaultPreferences") or []}
    statuses.update({p["TopicName"]: p["SubscriptionStatus"] for p in contact.get("TopicPreferences") or []})
    for topic in topics:
        statuses.setdefault(topic, OPT_OUT)
    return {
        "email": contact["EmailAddress"],
        "unsubscribe_all": bool(contact.get("UnsubscribeAll")),
        "topics": dict(sorted(statuses.items())),
    }
