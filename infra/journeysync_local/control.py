"""A loopback control endpoint of a running `journeysync dev`, so `journeysync invoke` from another shell
can fire a function inside it (Lambda's Invoke API has no local equivalent without Docker).

It listens on 127.0.0.1 only and demands the random token written to the 0600 state file,
so only the user who started the stack can drive it.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeysync_local.stack import LocalStack

TOKEN_HEADER = "x-journeysync-control-token"  # noqa: S105 - a header name


class ControlServer:
    def __init__(self, stack: LocalStack, host: str = "127.0.0.1") -> None:
        self.stack = stack
        self.token = secrets.token_urlsafe(24)
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="journeysync-control")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def dispatch(self, action: str, target: str, event: Any) -> tuple[int, Any]:
        from journeysync_local.functions import HandlerFailedError

        try:
            if action == "invoke":
                return 200, {"result": self.stack.invoke(target, event if event is not None else {})}
            if action == "schedule":
                return 200, {"results": self.stack.fire_schedule(target)}
        except KeyError as exc:
            return 404, {"error": str(exc.args[0] if exc.args else exc)}
        except HandlerFailedError as exc:
            return 502, {"error": str(exc), "traceback": exc.error}
        return 404, {"error": f"unknown action {action!r}"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, doc: Any) -> None:
                raw = json.dumps(doc, default=str).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                if not hmac.compare_digest(self.headers.get(TOKEN_HEADER, ""), outer.token):
                    self._reply(401, {"error": "bad control token"})
                    return
                parts = [p for p in self.path.split("/") if p]
                length = int(self.headers.get("content-length") or 0)
                try:
                    event = json.loads(self.rfile.read(length)) if length else None
                except ValueError:
                    self._reply(400, {"error": "the event is not valid JSON", "field": "event"})
                    return
                if len(parts) != 2:
                    self._reply(404, {"error": "POST /invoke/<Function> or /schedule/<Function>"})
                    return
                self._reply(*outer.dispatch(parts[0], parts[1], event))

        return Handler
