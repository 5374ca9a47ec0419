"""A Lambda sandbox's first invocation runs without the garbage collector, for a bounded time.

A cold start imports boto3, Powertools, pydantic and the models and builds clients and config: a few
hundred thousand objects, all of which live as long as the sandbox. CPython's generational collector
walks them again and again while they are being made and finds nothing to free; in the cold start
benchmark's sandbox that was about a tenth of a handler's import + first invocation.

So applying `gc_after_first_invocation` to a handler (at import, inside Lambda only) pauses the
collector, and the end of the handler's first invocation — returned or raised — freezes what is alive
(`gc.freeze`: moved to a permanent generation later collections skip, so warm invocations collect
less too) and turns it back on. A first invocation that runs longer than `PAUSE_LIMIT_SECONDS` (a
nightly reconcile, a full sync) gets the collector back then, without the freeze, so a long job's
reference cycles are collected as usual. Outside a Lambda sandbox (tests, the CLI) it changes nothing.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])

PAUSE_LIMIT_SECONDS = 10.0
"""Longest a first invocation runs without the collector (a cold start's own work takes well under 1 s)."""

_lock = threading.Lock()
_paused = False


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def pause() -> None:
    """Pause the collector for this sandbox's init, if it is a Lambda sandbox and it is running."""
    global _paused
    with _lock:
        if in_lambda() and gc.isenabled():
            gc.disable()
            _paused = True


def resume(freeze: bool = True) -> None:
    """Turn the collector back on (first freezing everything alive, unless `freeze` is False); does
    nothing unless `pause` paused it."""
    global _paused
    with _lock:
        if _paused:
            _paused = False
            if freeze:
                gc.freeze()
            gc.enable()


def gc_after_first_invocation(handler: Handler) -> Handler:
    """Pause the collector now; resume it when the handler's first invocation ends (see the module)."""
    pause()

    @wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        limit = None
        if _paused:
            limit = threading.Timer(PAUSE_LIMIT_SECONDS, resume, kwargs={"freeze": False})
            limit.daemon = True
            limit.start()
        try:
            return handler(event, context)
        finally:
            if limit is not None:
                limit.cancel()
            resume()

    return invoke  # type: ignore[return-value]
