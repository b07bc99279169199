"""CORS: which origins may call the API from a browser, and the headers that tell the browser so."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

#: Request headers a browser may send; what the API reads plus what API Gateway and SDKs add.
ALLOWED_HEADERS = (
    "Content-Type, Authorization, X-Api-Key, X-Amz-Date, X-Amz-Security-Token, "
    "If-Match, If-None-Match, Idempotency-Key, X-Correlation-Id"
)
#: Response headers a script may read.
EXPOSED_HEADERS = "ETag, Location, Retry-After, X-Correlation-Id"
#: How long a browser may cache a preflight answer, in seconds.
PREFLIGHT_MAX_AGE = "600"


class CorsPolicy:
    """The configured origins; ``*`` allows any, none sends no CORS headers at all."""

    def __init__(self, origins: Iterable[str]) -> None:
        self.origins = frozenset(origins)
        self.any_origin = "*" in self.origins

    def allows(self, origin: str, host: str | None) -> bool:
        """Whether a browser at ``origin`` may call the API: a configured origin, or the API's own (same host)."""
        if self.any_origin or origin in self.origins:
            return True
        return host is not None and urlsplit(origin).netloc.lower() == host.lower()

    def headers(self, origin: str | None) -> dict[str, str]:
        """Headers for a response to ``origin``: only a configured origin is echoed, never an arbitrary one."""
        if self.any_origin:
            return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED_HEADERS}
        if origin and origin in self.origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": EXPOSED_HEADERS,
                "Vary": "Origin",
            }
        return {"Vary": "Origin"} if self.origins else {}

    def preflight_headers(self, origin: str | None, methods: Iterable[str]) -> dict[str, str]:
        """Headers for the answer to a preflight ``OPTIONS`` request."""
        headers = self.headers(origin)
        if "Access-Control-Allow-Origin" in headers:
            headers.update(
                {
                    "Access-Control-Allow-Methods": ", ".join(methods),
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                }
            )
        return headers
