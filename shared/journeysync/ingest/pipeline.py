"""One webhook delivery through ingest, in the order that keeps both promises: forgeries never get in,
and nothing is acknowledged before it is durably stored.

verify (raw bytes, constant time) → size cap → parse (catalogue map) → enrich inline if quick →
archive raw body to S3, once per vendor event (a different body under a stored id is a 409) → queue
canonical events (FIFO, deduplicated by event id) → queue unfinished enrichment jobs → answer.

A redelivery is queued again rather than answered from a stored reply: if the first attempt died
between its archive and its queue send, only the retry can finish it, and the FIFO queue's dedupe
plus the fold's natural keys make a second send of the same events change nothing. Every outcome
is a `Reply`; no input makes this raise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from journeysync.clock import future_time_error
from journeysync.config.catalogue import Catalogue
from journeysync.errors import BadInputError, DuplicateConflictError, JourneysyncError
from journeysync.ingest.archive import archive_document, archive_key, put_archive
from journeysync.ingest.settings import IngestSettings
from journeysync.models.events import CustomerEvent
from journeysync.models.validation import first_error_field
from journeysync.queueing import send_events
from journeysync.vendors import EnrichContext, Enrichment, ParseContext, Parsed, SignatureError, adapter_for
from journeysync.vendors.base import VendorAdapter, WebhookRequest

if TYPE_CHECKING:
    from journeysync.vendors.api import VendorApi

ApiFactory = Callable[[str, bool], "VendorApi | None"]
"""(vendor, inline) → the vendor's API client for enrichment, or None when the vendor has none configured."""


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    # for logs and metrics only (never PII)
    vendor_event_id: str | None = None
    event_type: str = ""
    reason: str = ""  # why a request was refused, for our logs only (never on the wire)

    def to_apigw(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {"content-type": "application/json", **self.headers},
            "body": json.dumps(self.body),
        }


@dataclass
class IngestDeps:
    settings: IngestSettings
    secret: Callable[[str], str | None]
    catalogue: Catalogue
    s3: Any
    sqs: Any
    api: ApiFactory

    def parse_context(self) -> ParseContext:
        return ParseContext(catalogue=self.catalogue, api_base_urls=self.settings.api_base_urls())


def signature_rejected(reason: str = "signature mismatch") -> Reply:
    # the same bare answer for every signature problem: a forger learns nothing from it
    return Reply(401, {"error": "signature mismatch"}, reason=reason)


def handle_webhook(request: WebhookRequest, deps: IngestDeps, method: str = "POST") -> Reply:
    adapter = adapter_for(request.vendor)
    if adapter is None:
        return Reply(404, {"error": f"unknown vendor {request.vendor!r}"})
    secret = deps.secret(adapter.name)
    if not secret or not secret.strip():
        # fail closed, and answer exactly as for a bad signature so a stranger cannot tell which vendors
        # are set up; the real reason goes to our logs (and the WebhookSecretMissing metric)
        return signature_rejected(f"no webhook secret configured for {adapter.name}")
    if method == "GET":
        return _answer_get(adapter, request, secret)
    try:
        adapter.verify(request, secret)
    except SignatureError:
        return signature_rejected()
    if len(request.body) > deps.settings.max_body_bytes:
        return Reply(413, {"error": f"body is over {deps.settings.max_body_bytes} bytes", "field": "body"})
    try:
        parsed = adapter.parse(request, deps.parse_context())
    except BadInputError as exc:
        return Reply(400, {"error": exc.message, "field": exc.field or "body"})
    except ValidationError as exc:  # a model an adapter built directly refused a value (e.g. over its cap)
        where, message = first_error_field(exc)
        return Reply(400, {"error": message, "field": where})
    for index, made in enumerate(parsed.events):
        if (ahead := future_time_error(made.time, request.received_at)) is not None:
            where = "time" if adapter.name == "cloudevents" and len(parsed.events) == 1 else f"{index}.time"
            return Reply(400, {"error": ahead, "field": where if adapter.name == "cloudevents" else "time"})
    try:
        result = accept(adapter, request, parsed, deps)
    except DuplicateConflictError:
        body = {
            "error": "this id was already accepted from this source with different content; "
            "send a correction under a new id",
            "field": "id",
            "conflict": True,
        }
        return Reply(409, body, vendor_event_id=parsed.vendor_event_id, event_type=parsed.event_type)
    status = 202 if result.get("ignored") else 200
    return Reply(status, result, vendor_event_id=parsed.vendor_event_id, event_type=parsed.event_type)


def _answer_get(adapter: VendorAdapter, request: WebhookRequest, secret: str) -> Reply:
    try:
        answer = adapter.answer_get(request, secret)
    except SignatureError:
        return signature_rejected()
    if answer is None:
        return Reply(405, {"error": "this endpoint accepts POST only"}, {"allow": "POST"})
    return Reply(answer[0], {"ok": answer[1]})


def accept(adapter: VendorAdapter, request: WebhookRequest, parsed: Parsed, deps: IngestDeps) -> dict[str, Any]:
    """Archive, then queue; raises (unacknowledged, the vendor retries) if either store refuses.

    Raises DuplicateConflictError when the vendor event id was archived before with other content.
    """
    events = list(parsed.events)
    pending: list[Enrichment] = []
    for job in parsed.enrichments:
        enriched = _try_enrich(adapter, job, deps, inline=True)
        if enriched is None:
            pending.append(job)
        else:
            events += enriched
    key = archive_key(adapter.name, parsed.vendor_event_id)
    note = parsed.ignored or ""
    put_archive(
        deps.s3,
        deps.settings.archive_bucket,
        key,
        archive_document(request, parsed.vendor_event_id, [e.id for e in events], note),
        parsed.fingerprint,
    )
    events = [e.model_copy(update={"archive_key": key}) for e in events]
    if events:
        send_events(deps.settings.events_queue_url, events, sqs=deps.sqs)
    for job in pending:
        deps.sqs.send_message(QueueUrl=deps.settings.enrichment_queue_url, MessageBody=enrichment_message(job, key))
    result: dict[str, Any] = {"accepted": [e.id for e in events], "enrichment_pending": len(pending)}
    if parsed.ignored and not events and not pending:
        result["ignored"] = parsed.ignored
    return result


def _try_enrich(adapter: VendorAdapter, job: Enrichment, deps: IngestDeps, inline: bool) -> list[CustomerEvent] | None:
    api = deps.api(adapter.name, inline)
    if api is None:
        return None
    try:
        return adapter.enrich(job, EnrichContext(parse=deps.parse_context(), api=api))
    except JourneysyncError:
        return None


def enrichment_message(job: Enrichment, archive: str) -> str:
    return json.dumps({"job": job.model_dump(mode="json"), "archive_key": archive})


class EnrichmentOutcome:
    DONE = "done"
    RETRY = "retry"
    DEAD = "dead"


def run_enrichment(body: str, deps: IngestDeps) -> tuple[str, str]:
    """Finish one queued enrichment job: (outcome, reason). RETRY leaves the message to the queue's redrive."""
    from journeysync.errors import FatalError, RetriableError

    try:
        doc = json.loads(body)
        job = Enrichment.model_validate(doc["job"])
        archive = str(doc.get("archive_key") or "") or None
    except (ValueError, KeyError, TypeError) as exc:
        return EnrichmentOutcome.DEAD, f"unreadable enrichment job: {type(exc).__name__}"
    adapter = adapter_for(job.vendor)
    if adapter is None:
        return EnrichmentOutcome.DEAD, f"unknown vendor {job.vendor!r}"
    api = deps.api(adapter.name, False)
    if api is None:
        return EnrichmentOutcome.RETRY, f"no API credentials configured for {adapter.name}"
    try:
        events = adapter.enrich(job, EnrichContext(parse=deps.parse_context(), api=api))
    except RetriableError as exc:
        return EnrichmentOutcome.RETRY, str(exc)
    except (FatalError, BadInputError, ValidationError) as exc:
        return EnrichmentOutcome.DEAD, f"{type(exc).__name__}: {exc}"
    if events:
        send_events(
            deps.settings.events_queue_url,
            [e.model_copy(update={"archive_key": archive}) for e in events],
            sqs=deps.sqs,
        )
    return EnrichmentOutcome.DONE, f"{len(events)} events"
