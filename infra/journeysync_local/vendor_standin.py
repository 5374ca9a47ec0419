"""A local HTTP server that plays the vendors' APIs (Mailchimp, HubSpot, Slack, Square, Eventbrite) at their real paths.

The demo and the fault-injection tests point the connectors' base URLs here, so
the connectors' real request code runs with no internet. It records every request,
answers like the vendor does, and can be told to misbehave: throttle (429 with
Retry-After), fail (500), or hang past the client's timeout, for a number of calls.

The read APIs the webhook enrichment step calls (Square RetrieveOrder / RetrieveCustomer,
Eventbrite orders and attendees, Shopify orders) answer from in-memory data a test or the
demo seeds: `standin.seed("square", "orders", order_id, order)`. Unseeded ids answer 404 in
the vendor's own error shape, as the real API does.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Responder = Callable[["Recorded"], tuple[int, dict[str, str], Any]]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Fault:
    pattern: re.Pattern[str]
    mode: str  # "429" | "500" | "403" | "timeout"
    remaining: int
    retry_after: float | None = None
    hang_seconds: float = 15.0


def _mailchimp_batch(req: Recorded) -> tuple[int, dict[str, str], Any]:
    members = (req.json() or {}).get("members", [])
    return (
        200,
        {},
        {
            "new_members": members,
            "updated_members": [],
            "errors": [],
            "total_created": len(members),
            "total_updated": 0,
            "error_count": 0,
        },
    )


def _hubspot_upsert(req: Recorded) -> tuple[int, dict[str, str], Any]:
    inputs = (req.json() or {}).get("inputs", [])
    results = [
        {"id": str(1000 + i), "properties": item.get("properties", {}), "new": True} for i, item in enumerate(inputs)
    ]
    return 200, {"X-HubSpot-RateLimit-Remaining": "99"}, {"status": "COMPLETE", "results": results}


def _ok_text(_: Recorded) -> tuple[int, dict[str, str], Any]:
    return 200, {"Content-Type": "text/plain"}, "ok"


DEFAULT_ROUTES: list[tuple[str, str, Responder]] = [
    ("POST", r"^/3\.0/lists/[^/]+/?$", _mailchimp_batch),
    ("POST", r"^/crm/v3/objects/contacts/batch/upsert$", _hubspot_upsert),
    ("POST", r"^/services/", _ok_text),  # Slack incoming webhooks
]


def _not_found(vendor: str, what: str) -> tuple[int, dict[str, str], Any]:
    if vendor == "square":
        return 404, {}, {"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "NOT_FOUND", "detail": what}]}
    if vendor == "eventbrite":
        return 404, {}, {"status_code": 404, "error": "NOT_FOUND", "error_description": what}
    return 404, {}, {"errors": "Not Found"}


class VendorStandIn:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[Recorded] = []
        self.data: dict[tuple[str, str], dict[str, Any]] = {}  # (vendor, collection) → id → object
        self.routes: list[tuple[str, re.Pattern[str], Responder]] = [
            (m, re.compile(p), r) for m, p, r in DEFAULT_ROUTES
        ]
        for method, pattern, responder in self._read_routes():
            self.routes.append((method, re.compile(pattern), responder))
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> VendorStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def seed(self, vendor: str, collection: str, object_id: str, obj: dict[str, Any]) -> None:
        """Make `GET` of that object answer `obj` (collections: square orders/customers/payments,
        eventbrite orders/attendees, shopify orders; payments and orders are also listed)."""
        with self._lock:
            self.data.setdefault((vendor, collection), {})[object_id] = obj

    def _seeded(self, vendor: str, collection: str, object_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self.data.get((vendor, collection), {}).get(object_id)

    def _read_routes(self) -> list[tuple[str, str, Responder]]:
        def lookup(vendor: str, collection: str, pattern: str, wrap: str | None) -> tuple[str, str, Responder]:
            rx = re.compile(pattern)

            def answer(req: Recorded) -> tuple[int, dict[str, str], Any]:
                match = rx.search(req.path)
                object_id = match.group("id") if match else ""
                found = self._seeded(vendor, collection, object_id)
                if found is None:
                    return _not_found(vendor, f"{collection} {object_id} not found")
                return 200, {}, {wrap: found} if wrap else found

            return "GET", pattern, answer

        return [
            lookup("square", "orders", r"^/v2/orders/(?P<id>[^/]+)$", "order"),
            lookup("square", "customers", r"^/v2/customers/(?P<id>[^/]+)$", "customer"),
            lookup("eventbrite", "orders", r"^/v3/orders/(?P<id>[^/]+)/?$", None),
            lookup("eventbrite", "attendees", r"^/v3/events/[^/]+/attendees/(?P<id>[^/]+)/?$", None),
            lookup("shopify", "orders", r"^/admin/api/[^/]+/orders/(?P<id>[^/.]+)\.json$", "order"),
            ("GET", r"^/v2/payments/?$", self._list_square_payments),
            ("GET", r"^/admin/api/[^/]+/orders\.json$", self._list_shopify_orders),
        ]

    # -- list APIs (reconcile): seeded "payments" / "orders", paginated as the vendors do --------

    def _listed(self, vendor: str, collection: str) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self.data.get((vendor, collection), {}).values(), key=lambda o: str(o.get("created_at", "")))

    def _list_square_payments(self, req: Recorded) -> tuple[int, dict[str, str], Any]:
        """ListPayments: created_at in [begin_time, end_time), ≤ limit (max 100) per page, opaque `cursor`."""
        q = {k: v[0] for k, v in req.query.items()}
        begin, end = q.get("begin_time", ""), q.get("end_time", "9999")
        rows = [p for p in self._listed("square", "payments") if begin <= str(p.get("created_at", "")) < end]
        start, size = int(q.get("cursor") or 0), min(int(q.get("limit") or 100), 100)
        page: dict[str, Any] = {"payments": rows[start : start + size]} if rows[start : start + size] else {}
        if start + size < len(rows):
            page["cursor"] = str(start + size)
        return 200, {}, page

    def _list_shopify_orders(self, req: Recorded) -> tuple[int, dict[str, str], Any]:
        """orders.json: created_at_min on the first call, then only `page_info` + limit (Link rel="next")."""
        q = {k: v[0] for k, v in req.query.items()}
        if "page_info" in q and "created_at_min" in q:
            return 400, {}, {"errors": {"created_at_min": "created_at_min cannot be passed when page_info is present."}}
        since = q.get("created_at_min", "")
        if "page_info" in q:
            since, _, offset = q["page_info"].partition("|")
            start = int(offset or 0)
        else:
            start = 0
        rows = [o for o in self._listed("shopify", "orders") if str(o.get("created_at", "")) >= since]
        size = min(int(q.get("limit") or 50), 250)
        headers: dict[str, str] = {}
        if start + size < len(rows):
            from urllib.parse import quote

            host = req.headers.get("host", "127.0.0.1")
            headers["Link"] = f'<http://{host}{req.path}?limit={size}&page_info={quote(f"{since}|{start + size}")}>; rel="next"'
        return 200, headers, {"orders": rows[start : start + size]}

    def route(self, method: str, pattern: str, responder: Responder) -> None:
        """Answer `method pattern` with `responder` (checked before the defaults)."""
        self.routes.insert(0, (method, re.compile(pattern), responder))

    def inject(
        self, pattern: str, mode: str, times: int, retry_after: float | None = None, hang_seconds: float = 15.0
    ) -> None:
        """Misbehave on the next `times` requests whose path matches `pattern`."""
        with self._lock:
            self.faults.append(Fault(re.compile(pattern), mode, times, retry_after, hang_seconds))

    def calls(self, pattern: str = "", method: str | None = None) -> list[Recorded]:
        rx = re.compile(pattern)
        return [r for r in self.requests if rx.search(r.path) and (method is None or r.method == method)]

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.pattern.search(path):
                    fault.remaining -= 1
                    return fault
        return None

    def _answer(self, req: Recorded) -> tuple[int, dict[str, str], Any]:
        fault = self._take_fault(req.path)
        if fault is not None:
            if fault.mode == "timeout":
                time.sleep(fault.hang_seconds)
                return 504, {}, {"error": "late"}
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            return int(fault.mode), headers, {"title": "injected fault", "status": int(fault.mode)}
        for method, pattern, responder in self.routes:
            if method == req.method and pattern.search(req.path):
                return responder(req)
        return 404, {}, {"title": "Resource Not Found", "status": 404}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                req = Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with outer._lock:
                    outer.requests.append(req)
                status, headers, body = outer._answer(req)
                raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

        return Handler
