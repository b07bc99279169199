"""One request, three ways in: over HTTP to the local stack, or straight to the app as an API Gateway v1 or v2 event."""

from __future__ import annotations

import base64
import copy
import http.client
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from dynamodbmanager.api.app import App

EVENTS = Path(__file__).resolve().parent.parent / "events"
STAGE = "dev"
HTTP, V1, V2 = "http", "v1", "v2"
TRANSPORTS = (HTTP, V1, V2)


@dataclass
class Exchange:
    """What came back: status, headers by lower-case name, and the body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: Every header line as received (name, value), to spot an injected one.
    raw_headers: list[tuple[str, str]] = field(default_factory=list)

    def json(self) -> Any:
        """The body parsed as JSON (strictly: NaN and Infinity are not JSON)."""

        def refuse(name: str) -> Any:
            raise ValueError(f"{name} is not JSON")

        return json.loads(self.body, parse_constant=refuse)


@dataclass(frozen=True)
class Request:
    """A request as a client sends it; ``event_body`` sets the event's body where HTTP cannot carry it."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    #: For events only: the body string and isBase64Encoded flag exactly as given.
    event_body: tuple[str, bool] | None = None


def over_http(base_url: str, request: Request, timeout: float = 30.0) -> Exchange:
    """Send ``request`` to the local gateway with a real HTTP client."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        target = request.path + (f"?{request.query}" if request.query else "")
        connection.putrequest(request.method, target, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        if request.body is not None:
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body)
        response = connection.getresponse()
        body = response.read()
        raw = list(response.getheaders())
        return Exchange(response.status, {k.lower(): v for k, v in raw}, body, raw)
    finally:
        connection.close()


def _load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return copy.deepcopy(event)


def _event_body(request: Request) -> tuple[str | None, bool]:
    """The body as API Gateway passes it: text when it is UTF-8, base64 otherwise."""
    if request.event_body is not None:
        return request.event_body
    if request.body is None:
        return None, False
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode("ascii"), True


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import unquote_plus

    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def v1_event(request: Request) -> dict[str, Any]:
    """A REST API (payload format 1.0) proxy event, from the stored realistic one."""
    event = _load("rest_api_v1.json")
    headers = {k: v for k, v in event["headers"].items() if k.lower() not in ("content-type", "x-api-key")}
    for name, value in request.headers:
        headers[name] = value
    event["headers"] = headers
    event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    pairs = _query_pairs(request.query)
    event["queryStringParameters"] = dict(pairs) or None
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    event["multiValueQueryStringParameters"] = multi or None
    event["httpMethod"] = request.method
    event["path"] = request.path
    event["pathParameters"] = {"proxy": request.path.lstrip("/")}
    event["requestContext"]["httpMethod"] = request.method
    event["requestContext"]["path"] = f"/{STAGE}{request.path}"
    event["body"], event["isBase64Encoded"] = _event_body(request)
    return event


def v2_event(request: Request) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) proxy event, from the stored realistic one."""
    event = _load("http_api_v2.json")
    headers = {k: v for k, v in event["headers"].items() if k not in ("content-type", "content-length")}
    for name, value in request.headers:
        headers[name.lower()] = value
    event["headers"] = headers
    event["rawPath"] = f"/{STAGE}{request.path}"
    event["rawQueryString"] = request.query
    event["requestContext"]["http"]["method"] = request.method
    event["requestContext"]["http"]["path"] = f"/{STAGE}{request.path}"
    event["pathParameters"] = {"proxy": request.path.lstrip("/")}
    event["body"], event["isBase64Encoded"] = _event_body(request)
    if event["body"] is None:
        del event["body"]
    return event


def to_app(app: App, request: Request, payload_format: str) -> Exchange:
    """Hand ``request`` to the app as the event of ``payload_format`` (``v1`` or ``v2``)."""
    event = v1_event(request) if payload_format == V1 else v2_event(request)
    result = app.handle(event, None)
    headers = {str(k).lower(): str(v) for k, v in result["headers"].items()}
    raw = [(str(k), str(v)) for k, v in result["headers"].items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            raw.append((name, value))
            headers.setdefault(name.lower(), value)
    body = result["body"]
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return Exchange(result["statusCode"], headers, data, raw)
