"""A small client of the API (``/items``, ``/table``, the RPC endpoint) for the command line and the data tools.

Standard library only.

Each thread keeps one HTTP/1.1 connection open, so a bulk import pays the TCP handshake once per worker,
not once per item. Errors come back as :class:`ApiError` with the server's status, code and message
unchanged; a failure to reach the API at all is :class:`Unreachable`.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from dynamodbmanager import __version__, jsoncodec
from dynamodbmanager.errors import BadRequest

#: The header API Gateway checks the API key in.
API_KEY_HEADER = "x-api-key"
MERGE_PATCH_TYPE = "application/merge-patch+json"
#: The RPC endpoint, where ``list`` scans an index or one segment of a parallel scan.
RPC_PATH = "/dynamodbmanager"
USER_AGENT = f"dynamodbmanager/{__version__}"


class ApiError(Exception):
    """The API answered with an error status; ``message`` is the server's own words."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Unreachable(Exception):
    """The API could not be reached, or its connection broke before an answer came."""


@dataclass
class Reply:
    """One answer of the API: status, headers (lower-case names) and the body as text."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        """The body as JSON, numbers exact (``Decimal``)."""
        return jsoncodec.loads(self.text) if self.text else None

    @property
    def version(self) -> int | None:
        """The item version the ``ETag`` header names, if any."""
        tag = self.headers.get("etag", "").strip('"')
        return int(tag) if tag.isdigit() else None


def _error_of(status: int, text: str) -> ApiError:
    """The error an error response describes: ours ``{"error": {...}}`` or API Gateway's ``{"message"}``."""
    try:
        body = jsoncodec.loads(text) if text.strip() else None
    except BadRequest:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return ApiError(status, str(error.get("code", "Error")), error["message"])
        if isinstance(body.get("message"), str):
            return ApiError(status, "Gateway", body["message"])
    reason = http.client.responses.get(status, "Error")
    return ApiError(status, reason.replace(" ", ""), text.strip() or reason)


@dataclass
class ApiClient:
    """The REST API at ``base_url`` (e.g. ``http://127.0.0.1:3000`` or a stage URL), with an optional API key."""

    base_url: str
    api_key: str | None = None
    timeout: float = 30.0
    #: ``"dynamodb"`` to send and receive items as DynamoDB JSON (``?format=dynamodb``); plain JSON by default.
    item_format: str | None = None
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{self.base_url!r} is not an http(s) URL such as http://127.0.0.1:3000")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        """Send one request and return the answer; an error status raises :class:`ApiError`."""
        sent = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        if self.api_key:
            sent[API_KEY_HEADER] = self.api_key
        data: bytes | None = None
        if body is not None:
            data = (body if isinstance(body, str) else jsoncodec.dumps(body)).encode()
            sent["Content-Type"] = content_type
        # A kept-alive connection the server closed while idle fails on its next use; that request never
        # reached the application, so it is sent again once on a new connection (never for a fresh one).
        while True:
            reused = getattr(self._local, "connection", None) is not None
            connection = self._connection()
            try:
                connection.request(method, self._prefix + path, body=data, headers=sent)
                response = connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused:
                    continue
                raise Unreachable(f"{self.base_url}: the connection closed before an answer ({exc})") from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise Unreachable(f"cannot reach {self.base_url}: {exc}") from None
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
            if response.will_close:
                self.close()
            if reply.status >= 400:
                raise _error_of(reply.status, text)
            return reply

    def _query(self, **params: Any) -> str:
        """The query string of an items request, with the item format when one is set."""
        query = {name: value for name, value in params.items() if value is not None}
        if self.item_format is not None:
            query["format"] = self.item_format
        return f"?{urlencode(query)}" if query else ""

    def _item_path(self, item_id: str) -> str:
        return "/items/" + quote(item_id, safe="") + self._query()

    @staticmethod
    def _if_match(version: int | None) -> dict[str, str]:
        return {} if version is None else {"If-Match": f'"{version}"'}

    def table(self) -> Any:
        """``GET /table``: the table's design, ``{"name", "key": [{"name", "type"}], "indexes": [...]}``."""
        return self.request("GET", "/table").json()

    def rpc(self, operation: str, payload: Mapping[str, Any], form: str | None = None) -> Reply:
        """``POST /dynamodbmanager``: one RPC operation, in ``form`` (the item format by default)."""
        body: dict[str, Any] = {"operation": operation, "payload": payload}
        if (form or self.item_format) is not None:
            body["format"] = form or self.item_format
        return self.request("POST", RPC_PATH, body)

    def get(self, item_id: str) -> Reply:
        """``GET /items/{id}``."""
        return self.request("GET", self._item_path(item_id))

    def create(self, item: Mapping[str, Any]) -> Reply:
        """``POST /items``: a new item (409 when its id is taken); the server makes an id when it has none."""
        return self.request("POST", "/items" + self._query(), item)

    def put(
        self, item_id: str, item: Mapping[str, Any], *, if_match: int | None = None, create_only: bool = False
    ) -> Reply:
        """``PUT /items/{id}``: create or replace; ``if_match`` or ``create_only`` make it conditional."""
        return self.put_at("/items/" + quote(item_id, safe=""), item, if_match=if_match, create_only=create_only)

    def put_at(
        self, path: str, item: Mapping[str, Any], *, if_match: int | None = None, create_only: bool = False
    ) -> Reply:
        """``PUT`` at an item's path (``/items/{pk}`` or ``/items/{pk}/{sk}``, segments percent-encoded)."""
        headers = self._if_match(if_match)
        if create_only:
            headers["If-None-Match"] = "*"
        return self.request("PUT", path + self._query(), item, headers=headers)

    def patch(self, item_id: str, patch: Mapping[str, Any], *, if_match: int | None = None) -> Reply:
        """``PATCH /items/{id}`` with a JSON Merge Patch (``null`` removes an attribute)."""
        return self.request(
            "PATCH", self._item_path(item_id), patch, headers=self._if_match(if_match), content_type=MERGE_PATCH_TYPE
        )

    def delete(self, item_id: str, *, if_match: int | None = None) -> Reply:
        """``DELETE /items/{id}``."""
        return self.request("DELETE", self._item_path(item_id), headers=self._if_match(if_match))

    def list_page(self, limit: int | None = None, cursor: str | None = None) -> Reply:
        """``GET /items``: one page, ``{"items": [...], "next_cursor": ...}``."""
        return self.request("GET", "/items" + self._query(limit=limit, cursor=cursor))

    def pages(self, limit: int | None = None, cursor: str | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page of items from ``cursor`` (the first page by default) to the last, following the cursor."""
        while True:
            body = self.list_page(limit, cursor).json()
            yield body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return
