"""One HTTP request, read from an API Gateway proxy event of payload format 1.0 (REST API) or 2.0 (HTTP API)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from dynamodbmanager.errors import BadRequest, PayloadTooLarge

FORMAT_V1 = "1.0"
FORMAT_V2 = "2.0"


@dataclass
class Request:
    """What the service needs from an event, the same for both payload formats."""

    method: str
    #: The route path, without the stage prefix: ``/items/1``.
    path: str
    #: The path the client called, stage prefix included (``/dev/items/1``), to build ``Location``.
    base_path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    request_id: str = ""
    payload_format: str = FORMAT_V1
    #: What the request does (``rpc.create``, ``items.get``), set by the route that serves it; for logs and metrics.
    operation: str = ""
    #: Who API Gateway says is calling: ``apikey:<id>``, ``iam:<arn>``, ``jwt:<sub>``; empty when it says nothing.
    caller: str = ""
    #: The Lambda context of the invocation (its remaining time bounds an idempotency record in progress).
    lambda_context: Any = None

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name."""
        return self.headers.get(name.lower())

    def query_value(self, name: str) -> str | None:
        """The last value of a query parameter, as API Gateway's single-value map keeps it."""
        values = self.query.get(name)
        return values[-1] if values else None

    def url_for(self, path: str) -> str:
        """``path`` (a route path) as the client addresses it, stage prefix included."""
        return f"{self.base_path}{path}"


def _lowercase_headers(headers: dict[str, Any] | None) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items() if v is not None}


def decode_body(event: dict[str, Any], max_bytes: int) -> bytes:
    """The raw body of the event; refuses invalid base64 and a body over ``max_bytes``."""
    raw = event.get("body")
    if raw is None:
        return b""
    if not isinstance(raw, str):
        raise BadRequest("The event's body is not a string.")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("The body is marked as base64 but is not valid base64.", code="InvalidBody") from None
    else:
        try:
            body = raw.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("The body is not valid UTF-8.", code="InvalidJson") from None
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"The body is {len(body)} bytes; the limit is {max_bytes} bytes.")
    return body


def _strip_stage(path: str, stage: str | None) -> tuple[str, str]:
    """Split ``/dev/items`` into the stage prefix and the route path when the stage is in the path."""
    if stage and stage != "$default":
        prefix = f"/{stage}"
        if path == prefix or path.startswith(prefix + "/"):
            return prefix, path[len(prefix) :] or "/"
    return "", path


def _caller(context: dict[str, Any]) -> str:
    """The caller API Gateway authenticated: the API key's id, the IAM principal, or a JWT's subject."""
    identity = context.get("identity") or {}
    authorizer = context.get("authorizer") or {}
    iam = authorizer.get("iam") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") or {}
    if identity.get("apiKeyId"):
        return f"apikey:{identity['apiKeyId']}"
    if identity.get("userArn") or iam.get("userArn"):
        return f"iam:{identity.get('userArn') or iam.get('userArn')}"
    if claims.get("sub"):
        return f"jwt:{claims['sub']}"
    return ""


def from_event(event: dict[str, Any]) -> Request:
    """The request an API Gateway proxy event describes, without its body (see :func:`decode_body`)."""
    context = event.get("requestContext") or {}
    if event.get("version") == FORMAT_V2:
        http = context.get("http") or {}
        base, path = _strip_stage(event.get("rawPath") or http.get("path") or "/", context.get("stage"))
        query: dict[str, list[str]] = {}
        for part in (event.get("rawQueryString") or "").split("&"):
            if part:
                name, _, value = part.partition("=")
                query.setdefault(unquote(name.replace("+", " ")), []).append(unquote(value.replace("+", " ")))
        headers = _lowercase_headers(event.get("headers"))
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
        request = Request(
            method=str(http.get("method", "GET")).upper(),
            path=path,
            base_path=base,
            headers=headers,
            query=query,
            request_id=str(context.get("requestId", "")),
            payload_format=FORMAT_V2,
            caller=_caller(context),
        )
    else:
        path = event.get("path") or "/"
        # A REST API's ``path`` has no stage; requestContext.path is what the client called.
        called = str(context.get("path") or path)
        base = called[: -len(path)] if path != "/" and called.endswith(path) else ""
        multi = event.get("multiValueQueryStringParameters") or {}
        single = event.get("queryStringParameters") or {}
        query = {k: [str(v) for v in vs] for k, vs in multi.items() if vs} or {k: [str(v)] for k, v in single.items()}
        headers = _lowercase_headers(event.get("headers"))
        for name, values in (event.get("multiValueHeaders") or {}).items():
            if values and name.lower() not in headers:
                headers[name.lower()] = ", ".join(str(v) for v in values)
        request = Request(
            method=str(event.get("httpMethod", "GET")).upper(),
            path=path,
            base_path=base,
            headers=headers,
            query=query,
            request_id=str(context.get("requestId", "")),
            caller=_caller(context),
        )
    return request
