"""Run the template's functions the way Lambda does: a pool of worker processes per function.

Each function gets up to `concurrency` instances (its `ReservedConcurrentExecutions`, else the
runtime's default), started lazily when an invocation finds none idle. An instance is a
long-lived worker process (see `worker.py`) holding exactly that function's environment; its
first invocation imports the handler — the cold start, measured and recorded on the
`Invocation` — and later ones reuse it. An invocation that outlives the template's `Timeout`
kills its worker, as Lambda ends a timed-out execution environment. Nothing is shared between
functions or between instances: no lock, no environment swap, no shared caches.

The gateway, the pollers and the scheduler run in this process and call `FunctionRunner.invoke`
from as many threads as they like; each call blocks on its own worker.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeysync_local.worker import receive, send

DEFAULT_CONCURRENCY = 4
INIT_TIMEOUT_SECONDS = 10  # Lambda gives a cold start's init phase its own 10 s, outside the function's Timeout


@dataclass
class FunctionSpec:
    """A template function as the runtime sees it."""

    logical_id: str
    name: str
    arn: str
    handler: str
    timeout: int
    memory: int
    env: dict[str, str]
    concurrency: int = DEFAULT_CONCURRENCY

    @property
    def package(self) -> str:
        """The handler's package (`webhook_ingest` for `webhook_ingest.app.lambda_handler`)."""
        parts = self.handler.split(".")
        return ".".join(parts[:-2]) if len(parts) > 2 else parts[0]


@dataclass
class LogLine:
    time: float
    function: str
    request_id: str
    line: str

    def __str__(self) -> str:
        return f"[{self.function}] {self.line}"


@dataclass
class Invocation:
    """One handler call. `roots` are the webhooks (gateway request ids) whose work it did, `segment`
    the id its AWS calls carry as the trace header's Parent, so whatever it sends is traced to it."""

    request_id: str
    function: str
    trigger: str
    start: float
    end: float = 0.0
    error: str | None = None
    roots: frozenset[str] = field(default_factory=frozenset)
    segment: str = ""
    trace: str = ""
    cold: bool = False
    init_ms: float | None = None
    duration_ms: float = 0.0
    cpu_ms: float = 0.0  # the worker's CPU time for the handler call (not its init)
    aws_calls: dict[str, int] = field(default_factory=dict)  # "service:Operation" → calls this invocation made
    call_log: list[dict[str, Any]] = field(default_factory=list)  # each call's params and reply (record_calls)


class HandlerFailedError(Exception):
    """The handler raised, timed out or crashed; `error` is what Lambda would log."""

    def __init__(self, function: str, error: str) -> None:
        self.function = function
        self.error = error
        super().__init__(f"{function} failed: {error.strip().splitlines()[-1] if error.strip() else error}")


def new_trace_root() -> str:
    """An X-Ray trace id: `1-<epoch seconds, hex>-<96 random bits, hex>`."""
    return f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"


# ---------------------------------------------------------------------------------- fork server
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[2]); "
    "from journeysync_local.worker import fork_server; fork_server(int(sys.argv[1]))"
)


def base_environment() -> dict[str, str]:
    """What a Lambda Python runtime has before the function's own variables: no shell, no ~/.aws."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class ForkServer:
    """One per runtime process, started on first use and shared by every stack it runs."""

    _instance: ForkServer | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        self._control = ours
        self._lock = threading.Lock()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter running the worker module
            [sys.executable, "-c", _BOOT, str(theirs.fileno()), json.dumps(sys.path)],
            pass_fds=[theirs.fileno()],
            env=base_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        theirs.close()
        hello = receive(self._control)
        if not hello or not hello.get("ready"):
            raise RuntimeError(f"the local function fork server did not start (exit code {self.process.poll()})")

    @classmethod
    def shared(cls) -> ForkServer:
        with cls._instance_lock:
            if cls._instance is None or cls._instance.process.poll() is not None:
                cls._instance = cls()
                atexit.register(cls._instance.stop)
            return cls._instance

    def fork(self, request: dict[str, Any]) -> tuple[int, socket.socket]:
        """A new worker for `request` (env, handler, …): its pid and the socket to talk to it."""
        ours, theirs = socket.socketpair()
        data = json.dumps(request).encode()
        with self._lock:
            socket.send_fds(self._control, [len(data).to_bytes(4, "big")], [theirs.fileno()])
            self._control.sendall(data)
            reply = receive(self._control)
        theirs.close()
        if not reply:
            ours.close()
            raise RuntimeError("the local function fork server exited")
        return int(reply["pid"]), ours

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._control.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        if self.process.poll() is None:
            self.process.kill()


# ---------------------------------------------------------------------------------- workers and pools
class _Worker:
    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock
        self.invocations = 0

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.sock.close()


class _Pool:
    """Idle instances of one function, and how many exist or are starting (at most its concurrency)."""

    def __init__(self, spec: FunctionSpec, sys_path: list[str], record_calls: bool = False) -> None:
        self.spec = spec
        self._sys_path = sys_path
        self._record_calls = record_calls
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._starting = 0
        self._cond = threading.Condition()
        self._closed = False

    def acquire(self) -> _Worker:
        """An idle instance, else a new one when under the limit, else wait for one to be released."""
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the stack is stopping")
                if self._idle:
                    return self._idle.pop()
                if len(self._all) + self._starting < self.spec.concurrency:
                    self._starting += 1
                    break
                self._cond.wait()
        request = {
            "env": self.spec.env,
            "handler": self.spec.handler,
            "name": self.spec.name,
            "arn": self.spec.arn,
            "memory": self.spec.memory,
            "sys_path": self._sys_path,
            "record_calls": self._record_calls,
        }
        try:
            worker = _Worker(*ForkServer.shared().fork(request))
        finally:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
        with self._cond:
            self._all.add(worker)
            if self._closed:
                worker.kill()
                raise RuntimeError("the stack is stopping")
        return worker

    def release(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)
            self._cond.notify()

    def discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self._all.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            self._cond.notify()

    @property
    def size(self) -> int:
        return len(self._all)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for worker in self._all:
                worker.kill()
            self._idle.clear()
            self._cond.notify_all()


class FunctionRunner:
    """Invoke one stack's functions, each in its own pool of worker processes."""

    def __init__(
        self,
        stack_id: str,
        specs: dict[str, FunctionSpec],
        on_log: Callable[[LogLine], None],
        on_invocation: Callable[[Invocation], None] | None = None,
        record_calls: bool = False,
    ) -> None:
        self.stack_id = stack_id
        self.specs = specs
        self._on_log = on_log
        self._on_invocation = on_invocation
        sys_path = [p for p in sys.path if p]
        cwd = str(Path.cwd())
        if cwd not in sys_path:
            sys_path.insert(0, cwd)  # handlers named relative to the checkout (a fixture template's CodeUri: .)
        self._pools = {lid: _Pool(spec, sys_path, record_calls) for lid, spec in specs.items()}
        self.in_flight = 0
        self._count_lock = threading.Lock()

    def check_all(self) -> None:
        """Fail at start when a handler's module cannot be found (importing it is each instance's cold start)."""
        import importlib.util

        for logical_id, spec in self.specs.items():
            module = spec.handler.rpartition(".")[0]
            try:
                found = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                found = None
            if found is None:
                raise ImportError(f"{logical_id}: cannot import handler {spec.handler}: no module named {module!r}")
        ForkServer.shared()

    def instances(self, logical_id: str) -> int:
        """How many instances (worker processes) the function has now."""
        return self._pools[logical_id].size

    def invoke(
        self,
        logical_id: str,
        event: Any,
        trigger: str = "direct",
        roots: frozenset[str] = frozenset(),
        trace_root: str | None = None,
    ) -> Any:
        """Call the handler like Lambda would; raise HandlerFailedError if it raises, times out or crashes."""
        spec = self.specs.get(logical_id)
        if spec is None:
            raise KeyError(f"no function {logical_id!r} in the stack (have: {', '.join(sorted(self.specs))})")
        pool = self._pools[logical_id]
        request_id = str(uuid.uuid4())
        segment = uuid.uuid4().hex[:16]
        trace = f"Root={trace_root or new_trace_root()};Parent={segment};Sampled=0"
        with self._count_lock:
            self.in_flight += 1
        try:
            record = Invocation(request_id, logical_id, trigger, time.time(), roots=roots, segment=segment, trace=trace)
            if self._on_invocation is not None:
                self._on_invocation(record)
            worker = pool.acquire()
            record.cold = worker.invocations == 0
            reply = self._call(pool, worker, spec, record, event)
        finally:
            with self._count_lock:
                self.in_flight -= 1
        record.end = time.time()
        if reply.get("t") != "ok":
            record.error = str(reply.get("error") or "unknown error")
            raise HandlerFailedError(logical_id, record.error)
        return reply.get("result")

    def _call(self, pool: _Pool, worker: _Worker, spec: FunctionSpec, record: Invocation, event: Any) -> dict[str, Any]:
        # the clock starts when an instance takes the call, not while the call waited for a free one
        deadline = time.time() + spec.timeout + (INIT_TIMEOUT_SECONDS if worker.invocations == 0 else 0)
        worker.invocations += 1
        try:
            send(
                worker.sock,
                {"event": event, "request_id": record.request_id, "trace": record.trace, "timeout": spec.timeout},
            )
            while True:
                worker.sock.settimeout(max(0.01, deadline - time.time()))
                frame = receive(worker.sock)
                if frame is None:
                    pool.discard(worker)
                    return {"t": "error", "error": "Runtime exited without providing a reason (the worker died)"}
                if frame.get("t") == "log":
                    self._on_log(LogLine(time.time(), spec.logical_id, record.request_id, frame["line"]))
                    continue
                record.init_ms = frame.get("init_ms")
                record.duration_ms = float(frame.get("duration_ms") or 0.0)
                record.cpu_ms = float(frame.get("cpu_ms") or 0.0)
                record.aws_calls = dict(frame.get("aws_calls") or {})
                record.call_log = list(frame.get("call_log") or [])
                if frame.get("init_failed"):
                    pool.discard(worker)
                else:
                    pool.release(worker)
                return frame
        except TimeoutError:
            pool.discard(worker)  # Lambda ends an execution environment whose invocation timed out
            message = f"Task timed out after {spec.timeout:.2f} seconds"
            self._on_log(LogLine(time.time(), spec.logical_id, record.request_id, message))
            return {"t": "error", "error": message}
        except (OSError, ValueError) as exc:
            pool.discard(worker)
            return {"t": "error", "error": f"lost the worker: {exc}"}

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
