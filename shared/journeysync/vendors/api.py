"""A vendor's REST API client for enrichment (the lookups a webhook's payload needs) and reconcile.

Apart from `base` so that a webhook that needs no lookup — most of them — loads no HTTP client and no
retry library on its cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeysync.connectors.http import HttpConnector
from journeysync.errors import FatalError
from journeysync.models.limits import scrub_json


class VendorApi(HttpConnector):
    """A vendor's REST API as the enrichment step calls it: bearer token, timeouts, retries (HttpConnector)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        token: str,
        headers: Mapping[str, str] | None = None,
        *,
        token_header: str | None = None,
        **kw: Any,
    ):
        super().__init__(base_url, **kw)
        self.name = name
        self._token = token
        self._headers = dict(headers or {})
        # Most vendors take a bearer token; Shopify wants the bare token in its own header.
        self._token_header = token_header

    def default_headers(self) -> dict[str, str]:
        auth = {self._token_header: self._token} if self._token_header else {"Authorization": f"Bearer {self._token}"}
        return {**auth, "Accept": "application/json", **self._headers}

    def get_json(
        self, path_or_url: str, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        """GET and decode; a 200 whose body is not JSON is the vendor's fault, so it is fatal, not a crash."""
        response = self.request("GET", path_or_url, ok=(200,), params=dict(params or {}), headers=dict(headers or {}))
        try:
            doc = response.json()
        except ValueError:
            raise FatalError(f"{self.name} answered 200 with a body that is not JSON") from None
        return scrub_json(doc)  # half a surrogate pair from a vendor must not fail the queue send later
