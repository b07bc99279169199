"""Contract 2, the REST resource API: ``/items`` and ``/items/{id}`` with versions as entity tags."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dynamodbmanager.api import merge_patch
from dynamodbmanager.api.body import MERGE_PATCH_TYPES, json_object
from dynamodbmanager.api.idempotency import HEADER as IDEMPOTENCY_KEY
from dynamodbmanager.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from dynamodbmanager.http.conditional import ANY, etag, parse_etags
from dynamodbmanager.http.response import Response, empty_response, json_response
from dynamodbmanager.schema import KEY_ATTRIBUTE, VERSION_ATTRIBUTE
from dynamodbmanager.store import cursor
from dynamodbmanager.store.attributes import check_key_value

if TYPE_CHECKING:
    from dynamodbmanager.api.idempotency import IdempotentCreation
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router
    from dynamodbmanager.store.table import ItemTable

COLLECTION = "/items"
MEMBER = "/items/{id}"
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
#: Attempts of a PATCH without If-Match that keeps meeting concurrent writers.
PATCH_ATTEMPTS = 3


def _version(item: dict[str, Any]) -> int:
    return int(item.get(VERSION_ATTRIBUTE, 0))


def _without_version(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name != VERSION_ATTRIBUTE}


def _item_response(status: int, item: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return json_response(status, item, {"ETag": etag(_version(item)), **(headers or {})})


def _parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() admits superscripts (int() refuses them) and other scripts' digits.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_LIMIT))) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.", code="InvalidLimit")
    return int(raw)


class ItemsApi:
    """Create, read, replace, patch, delete and list items, one resource per id."""

    def __init__(self, table: ItemTable, cursor_key: bytes, idempotency: IdempotentCreation | None = None) -> None:
        self._table = table
        self._cursor_key = cursor_key
        self._idempotency = idempotency

    def register(self, router: Router[Callable[[Request, dict[str, str]], Response]]) -> None:
        """Add the resource's routes."""
        router.add("GET", COLLECTION, self.list)
        router.add("POST", COLLECTION, self.create)
        router.add("GET", MEMBER, self.get)
        router.add("PUT", MEMBER, self.put)
        router.add("PATCH", MEMBER, self.patch)
        router.add("DELETE", MEMBER, self.delete)

    @staticmethod
    def _if_match(request: Request) -> str | set[int] | None:
        """What ``If-Match`` asks for: ``*``, a set of versions, or None without the header."""
        header = request.header("if-match")
        return None if header is None else parse_etags(header, "If-Match")

    @staticmethod
    def _require(wanted: str | set[int] | None, current: dict[str, Any] | None, item_id: str) -> None:
        """Refuse with 412 when ``current`` does not satisfy the ``If-Match`` the client sent."""
        if wanted is None:
            return
        if current is None:
            raise PreconditionFailed(f"No item has id '{item_id}', so If-Match cannot hold.")
        if wanted != ANY and _version(current) not in wanted:
            raise PreconditionFailed(f"The item is at version {etag(_version(current))}; If-Match names another.")

    def list(self, request: Request, _params: dict[str, str]) -> Response:
        """One page of items and the cursor of the next page (null on the last one)."""
        request.operation = "items.list"
        limit = _parse_limit(request.query_value("limit"))
        raw_cursor = request.query_value("cursor")
        start = cursor.decode(raw_cursor, self._cursor_key) if raw_cursor else None
        items, last_key = self._table.scan_page(limit, start)
        next_cursor = cursor.encode(last_key, self._cursor_key) if last_key else None
        return json_response(200, {"items": items, "next_cursor": next_cursor})

    def create(self, request: Request, _params: dict[str, str]) -> Response:
        """Store a new item; its id is generated when the body has none. Once per ``Idempotency-Key``."""
        request.operation = "items.create"
        if self._idempotency is not None and (key := request.header(IDEMPOTENCY_KEY)) is not None:
            return self._idempotency.run(key, request.operation, request.body, lambda: self._create(request))
        return self._create(request)

    def _create(self, request: Request) -> Response:
        item = _without_version(json_object(request))
        item_id = check_key_value(item.setdefault(KEY_ATTRIBUTE, str(uuid.uuid4())), KEY_ATTRIBUTE)
        if "/" in item_id or item_id in (".", ".."):
            # The member routes refuse such ids, so the item's Location could never be called.
            raise BadRequest(f"The id '{item_id}' cannot be part of a URL path: no '/', not . or ..", code="InvalidKey")
        stored = self._table.create(item)
        location = request.url_for(f"{COLLECTION}/{quote(item_id, safe='')}")
        return _item_response(201, stored, {"Location": location})

    def get(self, request: Request, params: dict[str, str]) -> Response:
        """The item, with its version as ETag; 304 when If-None-Match already names it."""
        request.operation = "items.get"
        item_id = check_key_value(params["id"], KEY_ATTRIBUTE)
        item = self._table.get(item_id)
        if item is None:
            raise NotFound(f"No item has id '{item_id}'.")
        known = request.header("if-none-match")
        if known is not None:
            wanted = parse_etags(known, "If-None-Match")
            if wanted == ANY or _version(item) in wanted:
                return empty_response(304, {"ETag": etag(_version(item))})
        return _item_response(200, item)

    def put(self, request: Request, params: dict[str, str]) -> Response:
        """Create (201) or replace (200) the whole item; If-Match and If-None-Match: * are honoured."""
        request.operation = "items.put"
        item_id = check_key_value(params["id"], KEY_ATTRIBUTE)
        item = _without_version(json_object(request))
        if item.setdefault(KEY_ATTRIBUTE, item_id) != item_id:
            raise BadRequest(f"The body's '{KEY_ATTRIBUTE}' differs from the id in the path.", code="IdMismatch")
        only_if_absent = False
        if (header := request.header("if-none-match")) is not None:
            if parse_etags(header, "If-None-Match") != ANY:
                raise BadRequest(
                    'PUT takes only If-None-Match: "*" (create, never replace).', code="InvalidPrecondition"
                )
            only_if_absent = True
        expected: int | None = None
        if (wanted := self._if_match(request)) is not None:
            current = self._table.get(item_id)
            self._require(wanted, current, item_id)
            expected = _version(current or {})
        try:
            stored, created = self._table.replace(item, expected_version=expected, only_if_absent=only_if_absent)
        except Conflict as exc:
            if only_if_absent:
                raise PreconditionFailed(f"An item with id '{item_id}' exists already.") from exc
            raise
        if created:
            location = request.url_for(f"{COLLECTION}/{quote(item_id, safe='')}")
            return _item_response(201, stored, {"Location": location})
        return _item_response(200, stored)

    def patch(self, request: Request, params: dict[str, str]) -> Response:
        """Merge a JSON Merge Patch into the item (``null`` removes an attribute)."""
        request.operation = "items.patch"
        item_id = check_key_value(params["id"], KEY_ATTRIBUTE)
        patch = _without_version(json_object(request, MERGE_PATCH_TYPES, "The merge patch"))
        if patch.get(KEY_ATTRIBUTE, item_id) != item_id:
            raise BadRequest(f"A patch cannot change '{KEY_ATTRIBUTE}'.", code="IdMismatch")
        wanted = self._if_match(request)
        for _ in range(PATCH_ATTEMPTS):
            current = self._table.get(item_id)
            if current is None:
                raise NotFound(f"No item has id '{item_id}'.")
            self._require(wanted, current, item_id)
            merged = merge_patch.apply(_without_version(current), patch)
            try:
                stored, _ = self._table.replace(merged, expected_version=_version(current))
            except PreconditionFailed:
                if wanted is not None:
                    raise
                continue  # Someone wrote in between; merge into what they wrote.
            return _item_response(200, stored)
        raise Conflict("The item kept changing under concurrent writes; retry.", code="ConcurrentModification")

    def delete(self, request: Request, params: dict[str, str]) -> Response:
        """Delete the item (204); 404 when absent, 412 when If-Match names another version."""
        request.operation = "items.delete"
        item_id = check_key_value(params["id"], KEY_ATTRIBUTE)
        wanted = self._if_match(request)
        expected: int | None = None
        if isinstance(wanted, set):
            if len(wanted) != 1:
                raise PreconditionFailed("If-Match must name exactly one version of this item.")
            expected = next(iter(wanted))
        self._table.delete(item_id, expected_version=expected)
        return empty_response(204)
