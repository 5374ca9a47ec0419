"""The process side of the local runtime: a fork server and the function workers it forks.

Lambda runs every function instance in its own execution environment: its own process, its
own environment variables, the handler imported once (the cold start) and then invoked again
and again. Here each instance is a worker process forked from one *fork server* per runtime
process. The fork server imports, once, the libraries every handler shares (boto3, Powertools,
pydantic, the `journeysync` layer) but never a handler and never reads a function's settings,
so a fork starts in milliseconds and still has nothing in it that belongs to another function.

A worker sets its environment (the fork server's minimal one plus exactly the function's),
then serves invocations one at a time over its socket: `{"event", "request_id", "trace",
"timeout"}` in, log lines and then one `ok` / `error` frame out. Its stdout and stderr are
that socket, so every line is attributed to the invocation that printed it.

Frames are a 4-byte length and a JSON document; this module imports nothing heavy itself.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import pkgutil
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from typing import Any

_LENGTH = struct.Struct("!I")
# what every handler imports anyway: loaded once in the fork server, shared copy-on-write by the workers
PRELOAD = (
    "boto3",
    "botocore.session",
    "requests",
    "pydantic",
    "yaml",
    "aws_lambda_powertools",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.typing",
)
PRELOAD_PACKAGES = ("journeysync",)  # the layer: every module, none of which reads the environment at import


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def receive(sock: socket.socket) -> dict[str, Any] | None:
    """The next frame, or None when the other side has gone."""
    head = _read_exactly(sock, _LENGTH.size)
    if head is None:
        return None
    body = _read_exactly(sock, _LENGTH.unpack(head)[0])
    if body is None:
        return None
    message: dict[str, Any] = json.loads(body)
    return message


# ---------------------------------------------------------------------------------- fork server
def preload() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - a library a handler does not use may be missing; the handler import says so
            continue
    for package in PRELOAD_PACKAGES:
        try:
            root = importlib.import_module(package)
        except Exception:  # noqa: S112
            continue
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: S112 - an optional module; the handler importing it reports the error
                continue


def fork_server(control_fd: int) -> None:
    """Serve fork requests: each carries a socket (SCM_RIGHTS) that becomes the new worker's channel."""
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel; the runtime kills by pid
    preload()
    send(control, {"ready": True, "pid": os.getpid()})
    while True:
        head, fds, _flags, _addr = socket.recv_fds(control, _LENGTH.size, 1)
        if len(head) < _LENGTH.size:
            os._exit(0)  # the runtime process has gone
        body = _read_exactly(control, _LENGTH.unpack(head)[0])
        if body is None or not fds:
            os._exit(0)
        request = json.loads(body)
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                serve(socket.socket(fileno=fds[0]), request)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(fds[0])
        send(control, {"pid": pid})


# ---------------------------------------------------------------------------------- worker
class _Channel(io.TextIOBase):
    """stdout/stderr of a worker: each complete line becomes a `log` frame."""

    def __init__(self, sock: socket.socket, lock: threading.Lock) -> None:
        self._sock = sock
        self._lock = lock
        self._buffer = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            *lines, self._buffer = (self._buffer + text).split("\n")
            for line in lines:
                if line.strip():
                    send(self._sock, {"t": "log", "line": line})
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._buffer.strip():
                send(self._sock, {"t": "log", "line": self._buffer})
            self._buffer = ""


class LambdaContext:
    """The context object Lambda passes to a Python handler."""

    def __init__(self, request: dict[str, Any], message: dict[str, Any]) -> None:
        self.function_name = request["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = request["arn"]
        self.memory_limit_in_mb = request["memory"]
        self.aws_request_id = message["request_id"]
        self.log_group_name = f"/aws/lambda/{request['name']}"
        self.log_stream_name = request["log_stream"]
        self.identity = None
        self.client_context = None
        self._deadline = time.time() + float(message["timeout"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _count_aws_calls(calls: Counter[str], log: list[dict[str, Any]] | None) -> None:
    """Count this worker's AWS API calls per invocation; with `log`, keep each call's parameters and reply
    (or error) too: what the cost bench prices, refused calls included, since AWS bills them."""
    from botocore.client import BaseClient

    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private botocore hook, typed as Any

    def counted(client: Any, operation: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        calls[f"{service}:{operation}"] += 1
        try:
            result = original(client, operation, params)
        except Exception as exc:  # a refused call is billed too (a failed conditional write, an S3 412)
            if log is not None:
                error = (getattr(exc, "response", None) or {}).get("Error") or {"Code": type(exc).__name__}
                log.append(_json_safe({"service": service, "op": operation, "params": params,
                                       "result": {"Error": error}}))
            raise
        if log is not None:
            log.append(_json_safe({"service": service, "op": operation, "params": params, "result": result}))
        return result

    setattr(BaseClient, "_make_api_call", counted)  # noqa: B010


def _load(handler: str) -> Any:
    module_name, _, attr = handler.rpartition(".")
    fn = getattr(importlib.import_module(module_name), attr, None)
    if not callable(fn):
        raise ImportError(f"{module_name} has no callable {attr}")
    return fn


def serve(channel: socket.socket, request: dict[str, Any]) -> None:
    """One function instance: set the environment, then init on the first invocation and serve forever."""
    os.environ.update(request["env"])  # on top of the fork server's minimal environment, as Lambda's runtime does
    sys.path[:] = request["sys_path"]
    lock = threading.Lock()
    sys.stdout = sys.stderr = _Channel(channel, lock)
    request["log_stream"] = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
    calls: Counter[str] = Counter()
    call_log: list[dict[str, Any]] | None = [] if request.get("record_calls") else None
    _count_aws_calls(calls, call_log)
    handler: Any = None
    while True:
        message = receive(channel)
        if message is None:
            return
        os.environ["_X_AMZN_TRACE_ID"] = message["trace"]  # botocore sends it on every AWS call
        calls.clear()
        if call_log is not None:
            call_log.clear()
        init_ms: float | None = None
        if handler is None:
            started = time.perf_counter()
            try:
                handler = _load(request["handler"])
            except Exception as exc:
                error = traceback.format_exc()
                print(f"[ERROR] Runtime.ImportModuleError: Unable to import module {request['handler']!r}: {exc}")
                sys.stdout.flush()
                send(channel, {"t": "error", "error": error, "init_failed": True})
                return
            init_ms = (time.perf_counter() - started) * 1000
        started, cpu = time.perf_counter(), time.process_time()
        try:
            result = handler(message["event"], LambdaContext(request, message))
            payload: dict[str, Any] = {"t": "ok", "result": result}
            json.dumps(result)  # Lambda must serialise the reply; fail like it does
        except Exception:
            error = traceback.format_exc()
            print(f"[ERROR] {error.strip().splitlines()[-1]}\n{error}")
            payload = {"t": "error", "error": error}
        sys.stdout.flush()
        payload.update(
            init_ms=init_ms,
            duration_ms=(time.perf_counter() - started) * 1000,
            cpu_ms=(time.process_time() - cpu) * 1000,
            aws_calls=dict(calls),
        )
        if call_log is not None:
            payload["call_log"] = call_log
        with lock:
            send(channel, payload)
