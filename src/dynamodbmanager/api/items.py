"""Contract 2, the REST resource API: ``/items`` and one resource per item key, with versions as entity tags.

An item is ``/items/{pk}`` on a table with a partition key only and ``/items/{pk}/{sk}`` on one with a sort
key; a key value in the path is a string as it is, a number's decimal text, or binary as URL-safe base64.

Every route takes and returns plain JSON by default and DynamoDB JSON with ``?format=dynamodb``. Conditional
requests follow RFC 9110: ``If-Match`` compares strongly and ``If-None-Match`` weakly, a list of tags matches
any of them, and a write under a precondition is conditioned on the version the precondition was checked on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from dynamodbmanager.api import formats, merge_patch
from dynamodbmanager.api.body import MERGE_PATCH_TYPES, json_object
from dynamodbmanager.api.idempotency import HEADER as IDEMPOTENCY_KEY
from dynamodbmanager.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from dynamodbmanager.http.conditional import ANY, etag, parse_etags
from dynamodbmanager.http.response import Response, empty_response, json_response
from dynamodbmanager.schema import VERSION_ATTRIBUTE
from dynamodbmanager.store import cursor
from dynamodbmanager.store.attributes import check_item
from dynamodbmanager.store.keys import addressable
from dynamodbmanager.store.table import version_of

if TYPE_CHECKING:
    from dynamodbmanager.api.idempotency import IdempotentCreation
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router
    from dynamodbmanager.store.keys import Keys
    from dynamodbmanager.store.table import ItemTable, TypedItem

COLLECTION = "/items"
#: The routes of one item, on a table without and with a sort key.
MEMBER = "/items/{pk}"
COMPOSITE_MEMBER = "/items/{pk}/{sk}"
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
#: Attempts of a PATCH without a precondition that keeps meeting concurrent writers.
PATCH_ATTEMPTS = 3


def _parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() admits superscripts (int() refuses them) and other scripts' digits.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_LIMIT))) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.", code="InvalidLimit")
    return int(raw)


def _format(request: Request) -> str:
    return formats.parse(request.query_value("format"))


def _etag(item: TypedItem) -> str:
    return etag(version_of(item) or 0)


def _item_response(status: int, item: TypedItem, form: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, formats.item_out(item, form), {"ETag": _etag(item), **(headers or {})})


def _same(left: dict[str, object], right: dict[str, object]) -> bool:
    """Whether two typed key values are equal as DynamoDB compares them (numbers by value)."""
    if "N" in left and "N" in right:
        return Decimal(str(left["N"])) == Decimal(str(right["N"]))
    return left == right


def _body_item(request: Request, form: str, keys: Keys, path_key: TypedItem | None) -> TypedItem:
    """The request's item, typed and checked, without the version the service keeps.

    Key attributes missing from the body come from the path; one that differs from the path is a 400. Without a
    path (``POST``) the body needs every key attribute, but for a table keyed by a string alone, whose key the
    service generates when it is missing.
    """
    body = {name: value for name, value in json_object(request).items() if name != VERSION_ATTRIBUTE}
    shape = keys.shape
    typed = formats.values_in(body, form, "The item")
    if path_key is not None:
        for name, value in path_key.items():
            if typed.setdefault(name, value) is not value and not _same(typed[name], value):
                raise BadRequest(f"The body's '{name}' differs from the key in the path.", code="IdMismatch")
    elif shape.sort is None and shape.partition.type == "S" and shape.partition.name not in typed:
        typed[shape.partition.name] = {"S": str(uuid.uuid4())}
    typed.update(keys.of_item(typed))
    check_item(typed)
    return typed


@dataclass(frozen=True)
class Preconditions:
    """The ``If-Match`` and ``If-None-Match`` of a request: ``*``, a set of versions, or None when absent."""

    if_match: str | set[int] | None
    if_none_match: str | set[int] | None

    @classmethod
    def of(cls, request: Request) -> Preconditions:
        """Parse both headers; a malformed one is a 400."""
        if_match, if_none_match = request.header("if-match"), request.header("if-none-match")
        return cls(
            None if if_match is None else parse_etags(if_match, "If-Match"),
            None if if_none_match is None else parse_etags(if_none_match, "If-None-Match", weak=True),
        )

    @property
    def any(self) -> bool:
        """Whether the request has a precondition at all."""
        return self.if_match is not None or self.if_none_match is not None

    def check(self, current: TypedItem | None, item_id: str) -> None:
        """412 unless ``current`` (None when absent) satisfies both headers, in RFC 9110's order."""
        if self.if_match is not None:
            if current is None:
                raise PreconditionFailed(f"No item has {item_id}, so If-Match cannot hold.")
            if self.if_match != ANY and version_of(current) not in self.if_match:
                raise PreconditionFailed(f"The item is at version {_etag(current)}; If-Match names another.")
        if self.none_matches(current) is False:
            if self.if_none_match == ANY:
                raise PreconditionFailed(f"An item with {item_id} exists already.")
            raise PreconditionFailed(f"The item is at version {_etag(current or {})}, which If-None-Match names.")

    def none_matches(self, current: TypedItem | None) -> bool | None:
        """Whether ``If-None-Match`` holds for ``current``; None without the header."""
        if self.if_none_match is None:
            return None
        if current is None:
            return True
        return self.if_none_match != ANY and version_of(current) not in self.if_none_match


class ItemsApi:
    """Create, read, replace, patch, delete and list items, one resource per id."""

    def __init__(self, table: ItemTable, cursor_key: bytes, idempotency: IdempotentCreation | None = None) -> None:
        self._table = table
        self._keys = table.keys
        self._cursor_key = cursor_key
        self._idempotency = idempotency

    def register(self, router: Router[Callable[[Request, dict[str, str]], Response]]) -> None:
        """Add the resource's routes: an item is addressed by its whole key."""
        member = MEMBER if self._table.shape.sort is None else COMPOSITE_MEMBER
        router.add("GET", COLLECTION, self.list)
        router.add("POST", COLLECTION, self.create)
        router.add("GET", member, self.get)
        router.add("PUT", member, self.put)
        router.add("PATCH", member, self.patch)
        router.add("DELETE", member, self.delete)

    def _key(self, params: dict[str, str]) -> tuple[TypedItem, str]:
        """The item's typed key from the path, and how messages name it."""
        key = self._keys.from_path(*(params[name] for name in ("pk", "sk") if name in params))
        return key, self._keys.describe(key)

    def list(self, request: Request, _params: dict[str, str]) -> Response:
        """One page of items and the cursor of the next page (null on the last one)."""
        request.operation = "items.list"
        form = _format(request)
        limit = _parse_limit(request.query_value("limit"))
        raw_cursor = request.query_value("cursor")
        start = cursor.decode(raw_cursor, self._cursor_key, self._table.shape.key_schema()) if raw_cursor else None
        items, last_key = self._table.scan_page(limit, start)
        next_cursor = cursor.encode(last_key, self._cursor_key) if last_key else None
        return json_response(
            200, {"items": [formats.item_out(item, form) for item in items], "next_cursor": next_cursor}
        )

    def create(self, request: Request, _params: dict[str, str]) -> Response:
        """Store a new item; its id is generated when the body has none. Once per ``Idempotency-Key``."""
        request.operation = "items.create"
        form = _format(request)
        if self._idempotency is not None and (key := request.header(IDEMPOTENCY_KEY)) is not None:
            fingerprint = request.body if form == formats.PLAIN else b"format=dynamodb\n" + request.body
            return self._idempotency.run(
                key,
                request.operation,
                fingerprint,
                lambda: self._create(request, form),
                caller=request.caller,
                lambda_context=request.lambda_context,
            )
        return self._create(request, form)

    def _create(self, request: Request, form: str) -> Response:
        item = _body_item(request, form, self._keys, None)
        for attribute in self._table.shape.key:
            text = item[attribute.name].get("S")
            if text is not None and not addressable(text):
                # The member routes refuse such keys, so the item's Location could never be called.
                raise BadRequest(
                    f"The key '{text}' cannot be part of a URL path: no '/', not . or ..", code="InvalidKey"
                )
        stored = self._table.create(item)
        location = request.url_for(self._keys.path(item))
        return _item_response(201, stored, form, {"Location": location})

    def get(self, request: Request, params: dict[str, str]) -> Response:
        """The item, with its version as ETag; 304 when If-None-Match already names it, 412 when If-Match does not."""
        request.operation = "items.get"
        form = _format(request)
        key, item_id = self._key(params)
        preconditions = Preconditions.of(request)
        item = self._table.get(key)
        if item is None:
            raise NotFound(f"No item has {item_id}.")
        if preconditions.if_match is not None:
            Preconditions(preconditions.if_match, None).check(item, item_id)
        if preconditions.none_matches(item) is False:
            return empty_response(304, {"ETag": _etag(item)})
        return _item_response(200, item, form)

    def put(self, request: Request, params: dict[str, str]) -> Response:
        """Create (201) or replace (200) the whole item; If-Match and If-None-Match are honoured."""
        request.operation = "items.put"
        form = _format(request)
        key, item_id = self._key(params)
        item = _body_item(request, form, self._keys, key)
        preconditions = Preconditions.of(request)
        expected: int | None = None
        only_if_absent = preconditions.if_none_match == ANY and preconditions.if_match is None
        if preconditions.any and not only_if_absent:
            current = self._table.get(key)
            preconditions.check(current, item_id)
            # The write holds only over the state the preconditions were checked on.
            expected, only_if_absent = (None, True) if current is None else (version_of(current), False)
        try:
            stored, created = self._table.replace(item, expected_version=expected, only_if_absent=only_if_absent)
        except Conflict as exc:
            if only_if_absent:
                raise PreconditionFailed(f"An item with {item_id} exists already.") from exc
            raise
        if created:
            return _item_response(201, stored, form, {"Location": request.url_for(self._keys.path(key))})
        return _item_response(200, stored, form)

    def patch(self, request: Request, params: dict[str, str]) -> Response:
        """Merge a JSON Merge Patch into the item (``null`` removes an attribute); nothing else changes."""
        request.operation = "items.patch"
        form = _format(request)
        key, item_id = self._key(params)
        patch = {
            name: value
            for name, value in json_object(request, MERGE_PATCH_TYPES, "The merge patch").items()
            if name != VERSION_ATTRIBUTE
        }
        for name, value in key.items():
            if name in patch:
                sent = formats.values_in({name: patch.pop(name)}, form, "The merge patch")[name]
                if not _same(sent, value):
                    raise BadRequest(f"A patch cannot change '{name}'.", code="IdMismatch")
        apply = merge_patch.apply_typed if form == formats.DYNAMODB else merge_patch.apply_plain
        preconditions = Preconditions.of(request)
        for _ in range(PATCH_ATTEMPTS):
            current = self._table.get(key)
            if current is None:
                raise NotFound(f"No item has {item_id}.")
            preconditions.check(current, item_id)
            merged = apply({k: v for k, v in current.items() if k != VERSION_ATTRIBUTE}, patch)
            check_item(merged)
            try:
                stored, _ = self._table.replace(merged, expected_version=version_of(current))
            except PreconditionFailed:
                if preconditions.any:
                    raise
                continue  # Someone wrote in between; merge into what they wrote.
            return _item_response(200, stored, form)
        raise Conflict("The item kept changing under concurrent writes; retry.", code="ConcurrentModification")

    def delete(self, request: Request, params: dict[str, str]) -> Response:
        """Delete the item (204); 404 when absent, 412 when a precondition does not hold."""
        request.operation = "items.delete"
        _format(request)  # nothing to render, but an unknown format is still the client's mistake
        key, item_id = self._key(params)
        preconditions = Preconditions.of(request)
        wanted = preconditions.if_match
        expected: int | None = None
        if preconditions.if_none_match is None and (wanted is None or wanted == ANY or len(wanted) == 1):
            # One DynamoDB call: the condition checks the one version named, if any.
            expected = next(iter(wanted)) if isinstance(wanted, set) else None
        else:
            current = self._table.get(key)
            if current is None:
                raise NotFound(f"No item has {item_id}.")
            preconditions.check(current, item_id)
            expected = version_of(current)
        self._table.delete(key, expected_version=expected)
        return empty_response(204)
