"""HttpConnector: the one place vendor HTTP calls are made, retried and classified.

Retries happen in-process only while they are cheap (a short total budget);
a longer `Retry-After` is handed back as `RetriableError(retry_after=…)` so the
queue redelivers later instead of a Lambda sleeping on the bill.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.stop import stop_base

from journeysync.connectors.ratelimit import TokenBucket
from journeysync.errors import FatalError, RetriableError

if TYPE_CHECKING:  # requests is imported on the first call: most invocations never call a vendor API
    import requests

def _requests() -> Any:
    import requests

    return requests


RETRIABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (3.05, 10.0)


class VendorFatalError(FatalError):
    """A 4xx (other than throttling) from a vendor: retrying cannot help."""

    def __init__(self, message: str, status: int, body: str = "") -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class VendorRetriableError(RetriableError):
    """Throttling, a 5xx or a network failure: worth retrying later."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        self.status = status
        super().__init__(message, retry_after=retry_after)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HttpConnector:
    """Base for vendor clients. Subclasses set `name`, `base_url` and `default_headers()`."""

    name = "vendor"
    max_attempts = 4
    max_inline_wait = 8.0  # longer Retry-After → give the message back to the queue
    backoff_base = 0.25
    backoff_cap = 4.0

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        limiter: TokenBucket | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self.limiter = limiter
        self.timeout = timeout
        self.sleep = sleep
        self.calls = 0  # every HTTP request made, retries included (benchmarks read it)

    # -- hooks -------------------------------------------------------------------------------

    def default_headers(self) -> dict[str, str]:
        return {}

    def is_throttled(self, response: requests.Response) -> bool:
        """Some vendors throttle with other codes (Mailchimp: a bare 403); override to say so."""
        return response.status_code == 429

    def describe_error(self, response: requests.Response) -> str:
        """A short, PII-free reason for logs and the DLQ."""
        text = response.text[:300].replace("\n", " ")
        return f"{self.name} answered {response.status_code}: {text}"

    # -- the call --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self, method: str, path: str, *, ok: Iterable[int] = (200, 201, 202, 204, 207), **kwargs: Any
    ) -> requests.Response:
        """Send with rate limiting and bounded retries; return the response or raise a classified error."""
        accepted = frozenset(ok)
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | _stop_on_long_retry_after(self.max_inline_wait),
            wait=self._wait,
            retry=retry_if_exception_type(VendorRetriableError),
            sleep=self.sleep,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                return self._once(method, path, accepted, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, path: str, accepted: frozenset[int], **kwargs: Any) -> requests.Response:
        if self.limiter is not None:
            self.limiter.acquire()
        headers = {**self.default_headers(), **kwargs.pop("headers", {})}
        kwargs.pop("allow_redirects", None)
        self.calls += 1
        try:
            # never follow a redirect: requests would resend our credentials (vendor tokens in custom headers
            # such as X-Shopify-Access-Token survive a cross-host redirect) to wherever it points
            response = self.session.request(
                method, self.url(path), headers=headers, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except (_requests().ConnectionError, _requests().Timeout) as exc:
            raise VendorRetriableError(f"{self.name} unreachable: {type(exc).__name__}") from None
        if response.status_code in accepted:
            return response
        if response.status_code in RETRIABLE_STATUS or self.is_throttled(response):
            raise VendorRetriableError(
                self.describe_error(response),
                status=response.status_code,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise VendorFatalError(self.describe_error(response), status=response.status_code, body=response.text[:2000])

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)


class _stop_on_long_retry_after(stop_base):  # noqa: N801 - reads like tenacity's own stop_* helpers
    """Stop retrying in-process when the vendor asks us to wait longer than we will."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, retry_state: RetryCallState) -> bool:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        return retry_after is not None and retry_after > self.limit
