"""A Lambda sandbox's first invocation runs without the garbage collector.

A cold start imports boto3, Powertools, pydantic and the models and builds clients and config: a few
hundred thousand objects, all of which live as long as the sandbox. CPython's generational collector
walks them again and again while they are being made and finds nothing to free; in the cold start
benchmark's sandbox that was about a tenth of a handler's import + first invocation.

So applying `gc_after_first_invocation` to a handler (at import, inside Lambda only) pauses the
collector, and the end of the handler's first invocation — returned or raised — freezes what is alive
(`gc.freeze`: moved to a permanent generation later collections skip, so warm invocations collect
less too) and turns it back on. Outside a Lambda sandbox (tests, the CLI) it changes nothing.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])

_paused = False


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def pause() -> None:
    """Pause the collector for this sandbox's init, if it is a Lambda sandbox and it is running."""
    global _paused
    if in_lambda() and gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze everything alive and turn the collector back on; does nothing unless `pause` paused it."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def gc_after_first_invocation(handler: Handler) -> Handler:
    """Pause the collector now; resume it when the handler's first invocation ends (see the module)."""
    pause()

    @wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        try:
            return handler(event, context)
        finally:
            resume()

    return invoke  # type: ignore[return-value]
