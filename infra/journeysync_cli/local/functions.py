"""Run the template's functions in this process, each as if it had its own Lambda sandbox.

All handlers share one Python process (so tests can use `responses`, monkeypatch and the
moto server directly), but Lambda gives every function its own environment and its own
module-level caches. Three things make that hold here:

1. **One invocation at a time.** A process-wide lock serialises invocations (like one
   Lambda instance per function, and 2 cores make more parallelism pointless). Gateway
   requests, pollers and schedules all queue on it.
2. **Environment swap.** While an invocation runs, `os.environ` is the process environment
   overlaid with exactly that function's template Environment (Refs resolved) plus the
   Lambda variables; it is restored afterwards.
3. **Per-function caches.** Settings, clients and similar objects are built lazily behind
   module-level `functools.cache` / `lru_cache` functions (a house rule). Before each
   invocation the runtime rebinds every such function in `journeysync.*` and in the
   handler's package to a copy owned by that function (per stack), and restores the
   originals afterwards, so one function's cached settings never leak into another, and
   nothing is re-built on every switch. Caches kept elsewhere (a module global assigned at
   import time, a class attribute) are shared: don't keep environment-derived state there.

Handler output (print, Powertools Logger, EMF metrics) goes through one process-wide
sink that attributes each line to the invocation running in the current thread.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

INVOKE_LOCK = threading.RLock()
CACHE_OWNER_PREFIXES = ("journeysync",)


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

    @property
    def package(self) -> str:
        """The handler's package (`webhook_ingest` for `webhook_ingest.app.lambda_handler`)."""
        parts = self.handler.split(".")
        return ".".join(parts[:-2]) if len(parts) > 2 else parts[0]


class LambdaContext:
    """The context object Lambda passes to a Python handler."""

    def __init__(self, spec: FunctionSpec, request_id: str) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


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
    """One handler call: the lineage (`roots`) lets the demo measure webhook → last effect."""

    request_id: str
    function: str
    trigger: str
    start: float
    end: float = 0.0
    error: str | None = None
    roots: frozenset[str] = field(default_factory=frozenset)


class HandlerFailedError(Exception):
    """The handler raised; `error` is its traceback text (what Lambda would log)."""

    def __init__(self, function: str, error: str) -> None:
        self.function = function
        self.error = error
        super().__init__(f"{function} failed: {error.strip().splitlines()[-1] if error.strip() else error}")


class _LogSink(io.TextIOBase):
    """A stdout/stderr stand-in: complete lines go to the invocation running in this thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def bind(self, collector: Callable[[str], None] | None) -> None:
        self._local.collector = collector
        self._local.buffer = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        collector = getattr(self._local, "collector", None)
        if collector is None:
            fallback = sys.__stdout__
            if fallback is not None:
                fallback.write(text)
            return len(text)
        buffer = getattr(self._local, "buffer", "") + text
        *lines, rest = buffer.split("\n")
        for line in lines:
            if line.strip():
                collector(line)
        self._local.buffer = rest
        return len(text)

    def flush(self) -> None:
        collector = getattr(self._local, "collector", None)
        rest = getattr(self._local, "buffer", "")
        if collector is not None and rest.strip():
            collector(rest)
            self._local.buffer = ""


SINK = _LogSink()


class _CacheNamespaces:
    """Per-function copies of module-level functools caches (see the module docstring)."""

    def __init__(self) -> None:
        self._originals: dict[int, Any] = {}
        self._variant_of: dict[int, int] = {}
        self._variants: dict[tuple[str, int], Any] = {}
        self._bindings: list[tuple[Any, str, int]] = []
        self._scanned: set[str] = set()
        self._modules_seen = 0

    def _scan(self, prefixes: tuple[str, ...]) -> None:
        if len(sys.modules) == self._modules_seen and all(p in self._scanned for p in prefixes):
            return
        self._modules_seen = len(sys.modules)
        for name, module in list(sys.modules.items()):
            if module is None or name in self._scanned:
                continue
            if not any(name == p or name.startswith(p + ".") for p in prefixes):
                continue
            self._scanned.add(name)
            for attr, value in list(vars(module).items()):
                if not (callable(value) and hasattr(value, "cache_clear") and hasattr(value, "__wrapped__")):
                    continue
                key = self._variant_of.get(id(value), id(value))
                self._originals.setdefault(key, value)
                self._bindings.append((module, attr, key))
        for p in prefixes:
            self._scanned.add(p)

    def _variant(self, owner: str, key: int) -> Any:
        variant = self._variants.get((owner, key))
        if variant is None:
            original = self._originals[key]
            params = original.cache_parameters() if hasattr(original, "cache_parameters") else {}
            variant = functools.lru_cache(maxsize=params.get("maxsize"), typed=params.get("typed", False))(
                original.__wrapped__
            )
            functools.update_wrapper(variant, original.__wrapped__)
            self._variants[(owner, key)] = variant
            self._variant_of[id(variant)] = key
        return variant

    @contextlib.contextmanager
    def owned_by(self, owner: str, prefixes: tuple[str, ...]) -> Iterator[None]:
        self._scan(prefixes)
        for module, attr, key in self._bindings:
            setattr(module, attr, self._variant(owner, key))
        try:
            yield
        finally:
            self._scan(prefixes)
            for module, attr, key in self._bindings:
                setattr(module, attr, self._originals[key])

    def forget(self, owner_prefix: str) -> None:
        for key in [k for k in self._variants if k[0].startswith(owner_prefix)]:
            variant = self._variants.pop(key)
            self._variant_of.pop(id(variant), None)


CACHES = _CacheNamespaces()


@contextlib.contextmanager
def function_environment(env: dict[str, str]) -> Iterator[None]:
    """`os.environ` = the process environment overlaid with `env`, restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def load_handler(handler: str) -> Callable[[Any, Any], Any]:
    module_name, _, attr = handler.rpartition(".")
    module = importlib.import_module(module_name)
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ImportError(f"{module_name} has no callable {attr}")
    return fn  # type: ignore[no-any-return]


class FunctionRunner:
    """Invoke one stack's functions in-process with per-function env, caches and log capture."""

    def __init__(
        self,
        stack_id: str,
        specs: dict[str, FunctionSpec],
        on_log: Callable[[LogLine], None],
        on_invocation: Callable[[Invocation], None] | None = None,
    ) -> None:
        self.stack_id = stack_id
        self.specs = specs
        self._on_log = on_log
        self._on_invocation = on_invocation
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self.in_flight = 0
        self._count_lock = threading.Lock()

    def _owner(self, logical_id: str) -> str:
        return f"{self.stack_id}:{logical_id}"

    @contextlib.contextmanager
    def _sandbox(self, spec: FunctionSpec, request_id: str) -> Iterator[None]:
        def collect(line: str) -> None:
            self._on_log(LogLine(time.time(), spec.logical_id, request_id, line))

        SINK.bind(collect)
        try:
            with (
                function_environment(spec.env),
                CACHES.owned_by(self._owner(spec.logical_id), (*CACHE_OWNER_PREFIXES, spec.package)),
                contextlib.redirect_stdout(SINK),
                contextlib.redirect_stderr(SINK),
            ):
                yield
        finally:
            SINK.flush()
            SINK.bind(None)

    def load_all(self) -> None:
        """Import every handler now, so a broken handler fails at start and logs bind to the sink."""
        with INVOKE_LOCK:
            for logical_id, spec in self.specs.items():
                with self._sandbox(spec, "init"):
                    try:
                        self._handlers[logical_id] = load_handler(spec.handler)
                    except Exception as exc:
                        raise ImportError(f"{logical_id}: cannot import handler {spec.handler}: {exc}") from exc

    def invoke(self, logical_id: str, event: Any, trigger: str = "direct", roots: frozenset[str] = frozenset()) -> Any:
        """Call the handler like Lambda would; raise HandlerFailedError if it raises."""
        spec = self.specs.get(logical_id)
        if spec is None:
            raise KeyError(f"no function {logical_id!r} in the stack (have: {', '.join(sorted(self.specs))})")
        request_id = str(uuid.uuid4())
        with self._count_lock:
            self.in_flight += 1
        try:
            with INVOKE_LOCK:
                record = Invocation(request_id, logical_id, trigger, time.time(), roots=roots)
                if self._on_invocation is not None:
                    self._on_invocation(record)
                error: str | None = None
                result: Any = None
                with self._sandbox(spec, request_id):
                    try:
                        handler = self._handlers.get(logical_id) or load_handler(spec.handler)
                        self._handlers[logical_id] = handler
                        result = handler(event, LambdaContext(spec, request_id))
                    except Exception:
                        error = traceback.format_exc()
                        print(f"[ERROR] {logical_id} raised:\n{error}", file=sys.stderr)
                record.error = error
                record.end = time.time()
        finally:
            with self._count_lock:
                self.in_flight -= 1
        if error is not None:
            raise HandlerFailedError(logical_id, error)
        return result

    def close(self) -> None:
        CACHES.forget(f"{self.stack_id}:")
