"""A local API Gateway HTTP API: the template's HttpApi/Api routes over a threaded HTTP server.

Handlers receive the payload format 2.0 event API Gateway would send and their reply is
translated back the way API Gateway does it (including the "no statusCode → 200 JSON"
inference, and 500 {"message": "Internal Server Error"} when the handler raises), so a
handler that works here works behind the real HTTP API.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from journeysync_local.moto_server import LOCAL_ACCOUNT

# API Gateway HTTP APIs pass these bodies as text; every other content type (including
# application/x-www-form-urlencoded and a missing content type) arrives base64-encoded.
_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|ecmascript|x-javascript))$"
)


@dataclass
class Route:
    function: str
    method: str
    path: str
    pattern: re.Pattern[str] | None
    route_key: str

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers literal paths, then {param} paths, then greedy paths, then $default."""
        if self.pattern is None:
            return (3, 0, 0)
        greedy = "+}" in self.path
        params = self.path.count("{")
        return (2 if greedy else 1 if params else 0, -len(self.path), 0 if self.method != "ANY" else 1)


def compile_route(function: str, method: str, path: str | None) -> Route:
    method = (method or "ANY").upper()
    if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
        method = "ANY"
    if not path or path == "$default":
        return Route(function, "ANY", "$default", None, "$default")
    regex = "^"
    for segment in path.strip("/").split("/"):
        match = re.fullmatch(r"\{([^}+]+)(\+?)\}", segment)
        if match and match.group(2):
            regex += f"/(?P<{_group(match.group(1))}>.+)"
        elif match:
            regex += f"/(?P<{_group(match.group(1))}>[^/]+)"
        else:
            regex += "/" + re.escape(segment)
    regex = (regex if path.strip("/") else "^/") + "/?$"
    return Route(function, method, path, re.compile(regex), f"{method} {path}")


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


@dataclass
class GatewayStats:
    """What the gateway saw: responses by route and status, and request timings (for the demo)."""

    by_status: Counter[int] = field(default_factory=Counter)
    by_route: Counter[tuple[str, int]] = field(default_factory=Counter)
    requests: list[tuple[str, str, int, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, request_id: str, route_key: str, status: int, start: float, end: float) -> None:
        with self.lock:
            self.by_status[status] += 1
            self.by_route[(route_key, status)] += 1
            self.requests.append((request_id, route_key, status, start, end))


class Gateway:
    """Route HTTP requests to handlers through `invoke(function, event, request_id) -> response`."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any], str], Any],
        host: str = "127.0.0.1",
        port: int = 0,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.routes = sorted(routes, key=lambda r: r.specificity)
        self._host = host
        self._invoke = invoke
        self._on_error = on_error or (lambda message: None)
        self.stats = GatewayStats()
        self.in_flight = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in separate writes; with Nagle on, a keep-alive client's delayed
            # ACK holds the body back ~40 ms per request (measured: 8 → 30+ webhooks/s once off)
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                gateway._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve  # noqa: N815 - stdlib names

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="gateway", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in ("ANY", method):
                continue
            if route.pattern is None:
                return route, {}
            found = route.pattern.match(path)
            if found:
                names = re.findall(r"\{([^}+]+)\+?\}", route.path)
                return route, {name: unquote(found.group(_group(name))) for name in names}
        return None

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        start = time.time()
        request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
        raw_path, _, raw_query = req.path.partition("?")
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        with self._lock:
            self.in_flight += 1
        try:
            matched = self.match(req.command, raw_path)
            if matched is None:
                status, headers, payload = 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
                route_key = "-"
            else:
                route, params = matched
                route_key = route.route_key
                event = build_event(req, route, params, raw_path, raw_query, body, request_id, start)
                try:
                    reply = self._invoke(route.function, event, request_id)
                    status, headers, payload = translate_response(reply)
                except Exception as exc:
                    self._on_error(f"{route.function}: {exc}")
                    status = 500
                    headers = {"content-type": "application/json"}
                    payload = b'{"message":"Internal Server Error"}'
            headers["apigw-requestid"] = request_id
            self.stats.record(request_id, route_key, status, start, time.time())
            req.send_response(status)
            cookies = headers.pop("set-cookie", None)
            for key, value in headers.items():
                req.send_header(key, value)
            for cookie in cookies or []:
                req.send_header("Set-Cookie", cookie)
            req.send_header("Content-Length", str(len(payload)))
            req.end_headers()
            if req.command != "HEAD":
                req.wfile.write(payload)
        finally:
            with self._lock:
                self.in_flight -= 1


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    return bool(_TEXT_TYPES.match(content_type.split(";", 1)[0].strip().lower()))


def build_event(
    req: BaseHTTPRequestHandler,
    route: Route,
    params: dict[str, str],
    raw_path: str,
    raw_query: str,
    body: bytes,
    request_id: str,
    start: float,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for one request."""
    headers: dict[str, str] = {}
    for key, value in req.headers.items():
        lower = key.lower()
        if lower == "cookie":
            continue
        headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
    cookies = [c.strip() for line in req.headers.get_all("Cookie") or [] for c in line.split(";") if c.strip()]
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    host = headers.get("host", "127.0.0.1")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": req.command,
                "path": raw_path,
                "protocol": req.request_version,
                "sourceIp": req.client_address[0],
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(start)),
            "timeEpoch": int(start * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if body:
        text: str | None = None
        if _is_text(headers.get("content-type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def translate_response(reply: Any) -> tuple[int, dict[str, str], bytes]:
    """API Gateway's reading of a payload 2.0 handler reply."""
    if not (isinstance(reply, dict) and "statusCode" in reply):
        return 200, {"content-type": "application/json"}, json.dumps(reply).encode()
    status = reply["statusCode"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"invalid statusCode {status!r}")
    headers = {str(k).lower(): str(v) for k, v in (reply.get("headers") or {}).items()}
    for key, values in (reply.get("multiValueHeaders") or {}).items():
        headers[str(key).lower()] = ",".join(str(v) for v in values)
    body = reply.get("body")
    if body is None:
        payload = b""
    elif reply.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = str(body).encode()
    result: dict[str, Any] = dict(headers)
    cookies = reply.get("cookies") or []
    if cookies:
        result["set-cookie"] = [str(c) for c in cookies]
    return status, result, payload
