"""The local API Gateway: a real HTTP server that turns each request into a proxy event and invokes the function.

It mirrors a REST API with a ``{proxy+}`` resource under one stage, served both bare and under the stage
prefix, with API Gateway's own answers where the function is never reached (403 without the API key,
413 over the payload limit, 502 when the function fails). Each request is logged once, by the gateway, as
API Gateway's access log does: method, path, status, latency and the correlation id the function answered with.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from werkzeug.wrappers import Request, Response

from dynamodbmanager.local.events import DEFAULT_STAGE, build_event, split_stage
from dynamodbmanager.local.invoker import InvocationError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

    from dynamodbmanager.local.invoker import Invoker

#: Lambda's limit on a synchronous invocation's request payload.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_READ_CHUNK = 64 * 1024
#: Routes the Terraform leaves open without an API key, as ``(resource path, method)``; CORS preflight is
#: always open. The infrastructure tests check that the applied API has exactly these.
PUBLIC_ROUTES = frozenset({("/health", "GET"), ("/console", "GET"), ("/console/{proxy+}", "GET")})
#: Characters a path keeps as they are; ``%`` too, so the client's own escapes stay as sent.
_PATH_SAFE = "/%:@!$&'()*+,;="
log = logging.getLogger("dynamodbmanager.local")
#: One line per request; its own logger, so that a developer can silence or route it alone.
access_log = logging.getLogger("dynamodbmanager.local.access")


def _resource_matches(resource: str, path: str) -> bool:
    """Whether API Gateway would route ``path`` to ``resource`` (a literal path, or one ending in ``{proxy+}``)."""
    if resource.endswith("/{proxy+}"):
        prefix = resource.removesuffix("{proxy+}")
        return path.startswith(prefix) and len(path) > len(prefix)
    return path == resource


def _raw_path(request: Request) -> str:
    """The path as the client sent it, still percent-encoded, as API Gateway hands it to the function.

    werkzeug's ``request.path`` is decoded already, and the function decodes path parameters itself (as it must
    for API Gateway's events), so passing the decoded path on would decode ``%2541`` twice.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return quote(request.path, safe=_PATH_SAFE.replace("%", ""))
    target = raw.partition("?")[0]
    if not target.startswith("/"):
        target = urlsplit(target).path  # the absolute form, http://host/path
    # WSGI carries the request line's bytes as latin-1 text; bytes a client sent unescaped are escaped here.
    path = quote(target.encode("latin-1", "replace"), safe=_PATH_SAFE)
    return path if path.startswith("/") else f"/{path}"


def _target(request: Request) -> str:
    """The path and query as the client sent them, for the access log."""
    query = request.query_string.decode("latin-1")
    return _raw_path(request) + (f"?{query}" if query else "")


def _read_bounded(stream: IO[bytes], limit: int) -> bytes | None:
    """The request body, read a chunk at a time up to ``limit`` bytes; None as soon as it is longer.

    A chunked body has no Content-Length to check first, so the read itself is what is bounded.
    """
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(min(_READ_CHUNK, limit + 1 - size)):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(parts)


def _gateway_error(status: int, message: str) -> Response:
    """An answer from API Gateway itself, in its own shape ``{"message": ...}``."""
    return Response(json.dumps({"message": message}), status, {"Content-Type": "application/json"})


class LocalGateway:
    """The WSGI application in front of the function."""

    def __init__(
        self,
        invoker: Invoker,
        *,
        stage: str = DEFAULT_STAGE,
        api_key: str | None = None,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.invoker = invoker
        self.stage = stage
        self.api_key = api_key
        #: Host names answered besides loopback ones: a DNS-rebinding page names its own host, never these.
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        #: What API Gateway puts in ``requestContext.identity.apiKeyId``: an id of the key, never the key.
        self.api_key_id = None if api_key is None else "local-" + hashlib.sha256(api_key.encode()).hexdigest()[:16]

    def _needs_key(self, method: str, path: str) -> bool:
        _, route_path = split_stage(path, self.stage)
        public = any(
            method == route_method and _resource_matches(resource, route_path)
            for resource, route_method in PUBLIC_ROUTES
        )
        return self.api_key is not None and method != "OPTIONS" and not public

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        response = self.respond(request)
        access_log.info(
            "%s %s %d %.1f ms correlation_id=%s",
            request.method,
            _target(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            # The function's answer names it; an answer of the gateway's own has none.
            response.headers.get("X-Correlation-Id", "-"),
        )
        return response(environ, start_response)

    def host_allowed(self, host: str) -> bool:
        """Whether ``Host`` (with or without its port) names this machine's loopback or an allowed name."""
        name = host.lower().rsplit(":", 1)[0] if not host.endswith("]") else host.lower()
        name = name.removeprefix("[").removesuffix("]")
        if name in self.allowed_hosts or name in ("localhost", "::1"):
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def respond(self, request: Request) -> Response:
        """The response to one HTTP request."""
        if not self.host_allowed(request.host):
            return _gateway_error(403, f"Host {request.host!r} is not served here; start with --allow-host to add it")
        path = _raw_path(request)
        needs_key = self._needs_key(request.method, path)
        if needs_key and not hmac.compare_digest(
            request.headers.get("x-api-key", "").encode(), (self.api_key or "").encode()
        ):
            return _gateway_error(403, "Forbidden")
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return _gateway_error(413, "Request Too Long")
        body = _read_bounded(request.stream, MAX_PAYLOAD_BYTES)
        if body is None:
            return _gateway_error(413, "Request Too Long")
        event = build_event(
            method=request.method,
            path=path,
            headers=list(request.headers.items()),
            query=list(request.args.items(multi=True)),
            body=body,
            source_ip=request.remote_addr or "127.0.0.1",
            stage=self.stage,
            api_key_id=self.api_key_id if needs_key else None,
        )
        try:
            result = self.invoker.invoke(event)
        except InvocationError as exc:
            log.error("invocation failed: %s (request id %s)", exc, event["requestContext"]["requestId"])
            return _gateway_error(502, "Internal server error")
        return self._to_response(result, request.method)

    @staticmethod
    def _to_response(result: Any, method: str) -> Response:
        """The function's proxy result as an HTTP response; a malformed one is a 502, as on AWS.

        The body's own length goes on the wire, but for ``HEAD``, whose empty body stands for the ``GET`` one:
        there the function's ``Content-Length`` is the one to send.
        """
        if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
            log.error("malformed Lambda proxy response: %.200r", result)
            return _gateway_error(502, "Internal server error")
        body: Any = result.get("body") or ""
        if result.get("isBase64Encoded"):
            import base64

            body = base64.b64decode(body)
        response = Response(body, result["statusCode"])
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = str(value)
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, str(value))
        if method != "HEAD":
            response.headers["Content-Length"] = str(len(response.get_data()))
        if "Content-Type" not in (result.get("headers") or {}) and not body:
            response.headers.remove("Content-Type")
        return response
