"""Item collections over REST: one partition of the table or of an index, read by Query, sorted by its sort key.

``GET /items/{pk}`` on a table with a sort key, and ``GET /indexes/{index}/items/{pk}`` on any index, take one
condition on the sort key in the query string (``eq``, ``lt``, ``lte``, ``gt``, ``gte``, ``begins_with``, or
``from`` and ``to`` together for BETWEEN, inclusive), ``order=asc|desc``, ``limit``, ``cursor`` and ``format``,
and answer like the list: ``{"items": [...], "next_cursor": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynamodbmanager.api import formats
from dynamodbmanager.errors import BadRequest
from dynamodbmanager.http.response import Response, json_response
from dynamodbmanager.store import cursor

if TYPE_CHECKING:
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router
    from dynamodbmanager.schema import Index, KeyAttribute
    from dynamodbmanager.store.table import ItemTable

PARTITION = "/items/{pk}"
INDEX_PARTITION = "/indexes/{index}/items/{pk}"
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
#: The sort key conditions a query string can carry, as DynamoDB writes them.
_COMPARISONS = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_CONDITIONS = (*_COMPARISONS, "begins_with", "from", "to")


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_LIMIT))) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.", code="InvalidLimit")
    return int(raw)


class QueriesApi:
    """Partition queries of the table (when it has a sort key) and of every secondary index."""

    def __init__(self, table: ItemTable, cursor_key: bytes) -> None:
        self._table = table
        self._shape = table.shape
        self._keys = table.keys
        self._cursor_key = cursor_key

    def register(self, router: Router[Callable[[Request, dict[str, str]], Response]]) -> None:
        """Add the routes the table's shape calls for."""
        if self._shape.sort is not None:
            router.add("GET", PARTITION, self.query_table)
        if self._shape.indexes:
            router.add("GET", INDEX_PARTITION, self.query_index)

    def query_table(self, request: Request, params: dict[str, str]) -> Response:
        """The items of one partition of the table."""
        request.operation = "items.query"
        return self._query(request, params["pk"], None)

    def query_index(self, request: Request, params: dict[str, str]) -> Response:
        """The items of one partition of a secondary index."""
        request.operation = "indexes.query"
        return self._query(request, params["pk"], self._shape.index(params["index"]))

    def _sort_condition(self, request: Request, sort: KeyAttribute | None, where: str) -> tuple[str, dict[str, Any]]:
        """The sort key's part of the KeyConditionExpression, from the query string, and its values."""
        given = {name: request.query_value(name) for name in _CONDITIONS if request.query_value(name) is not None}
        if not given:
            return "", {}
        if sort is None:
            raise BadRequest(
                f"{where} has no sort key, so {', '.join(sorted(given))} cannot apply; its key is "
                f"{self._shape.partition.describe() if where == 'The table' else 'a partition key only'}.",
                code="InvalidKeyCondition",
            )
        ranged = {"from", "to"} & set(given)
        if ranged and (ranged != {"from", "to"} or len(given) != 2):
            raise BadRequest("from and to go together (BETWEEN, inclusive), with no other condition.")
        if not ranged and len(given) != 1:
            raise BadRequest(f"Give one sort key condition of {', '.join(_CONDITIONS[:6])}, or from and to.")
        values = {f":dm_{name}": self._keys.path_value(sort, str(text), sort=True) for name, text in given.items()}
        if ranged:
            return "#dm_sk BETWEEN :dm_from AND :dm_to", values
        ((name, _),) = given.items()
        if name == "begins_with":
            if sort.type == "N":
                raise BadRequest(f"begins_with needs a string or binary sort key; {sort.describe()} is a number.")
            return "begins_with(#dm_sk, :dm_begins_with)", values
        return f"#dm_sk {_COMPARISONS[name]} :dm_{name}", values

    def _query(self, request: Request, partition_text: str, index: Index | None) -> Response:
        form = formats.parse(request.query_value("format"))
        key = index.key if index is not None else self._shape.key
        where = f"Index '{index.name}'" if index is not None else "The table"
        partition = self._keys.path_value(key[0], partition_text, sort=False)
        sort = key[1] if len(key) > 1 else None
        condition, values = self._sort_condition(request, sort, where)
        names = {"#dm_pk": key[0].name, **({"#dm_sk": sort.name} if condition and sort else {})}
        params: dict[str, Any] = {
            "KeyConditionExpression": "#dm_pk = :dm_pk" + (f" AND {condition}" if condition else ""),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":dm_pk": partition, **values},
            "Limit": _limit(request.query_value("limit")),
        }
        order = request.query_value("order")
        if order not in (None, "asc", "desc"):
            raise BadRequest("order must be asc or desc.")
        if order == "desc":
            params["ScanIndexForward"] = False
        if index is not None:
            params["IndexName"] = index.name
        raw_cursor = request.query_value("cursor")
        if raw_cursor:
            params["ExclusiveStartKey"] = cursor.decode(raw_cursor, self._cursor_key, self._shape.key_schema(index))
        response = self._table.call("query", **params)
        last = response.get("LastEvaluatedKey")
        return json_response(
            200,
            {
                "items": [formats.item_out(item, form) for item in response.get("Items", [])],
                "next_cursor": cursor.encode(last, self._cursor_key) if last else None,
            },
        )
