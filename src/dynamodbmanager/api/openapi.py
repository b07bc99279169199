"""The OpenAPI 3 document of both contracts for the table's key schema, built on the first request for a shape.

``openapi.json`` is the document of the shipped table (``anything``, keyed by the string ``id``) and the template
of every other: the parts that depend on the key are rebuilt from the table's :class:`TableShape`, namely the
item paths and their parameters, the partition and index queries, the key attributes of items, keys and start
keys, the indexes ``IndexName`` may name, ``Select``, and the examples. Everything else is the template's.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dynamodbmanager.http.response import JSON, Response
from dynamodbmanager.schema import DEFAULT_SHAPE, VERSION_ATTRIBUTE
from dynamodbmanager.store.attributes import MAX_PARTITION_KEY_BYTES
from dynamodbmanager.store.keys import MAX_SORT_KEY_BYTES

if TYPE_CHECKING:
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router
    from dynamodbmanager.schema import KeyAttribute, TableShape

PATH = "/openapi.json"
TEMPLATE = Path(__file__).with_name("openapi.json")
Schema = dict[str, Any]

_ADDRESSABLE = "^(?!\\.\\.?$)[^/]+$"
_URL_SAFE_BASE64 = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"
#: Path parameters are named after the key attributes when such a name is a plain identifier.
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPE_NAMES = {"S": "a string", "N": "a number", "B": "binary"}
_SELECT = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")
#: The sort key conditions of a partition query, as the query string names them.
_CONDITIONS = {
    "eq": "equals this value",
    "lt": "is less than this value",
    "lte": "is at most this value",
    "gt": "is greater than this value",
    "gte": "is at least this value",
    "begins_with": "begins with this value (a string or binary sort key)",
    "from": "is from this value to the one of `to`, both included (BETWEEN); goes with `to`",
    "to": "is from the value of `from` to this one, both included (BETWEEN); goes with `from`",
}
#: The document's text per shape: built once per container, on the first request.
_documents: dict[str, str] = {}


def _ref(kind: str, name: str) -> Schema:
    """A reference to a component of the document."""
    return {"$ref": f"#/components/{kind}/{name}"}


def _max_bytes(sort: bool) -> int:
    """DynamoDB's limit on a partition or a sort key value."""
    return MAX_SORT_KEY_BYTES if sort else MAX_PARTITION_KEY_BYTES


def _base64_length(size: int, *, padded: bool) -> int:
    """The length of ``size`` bytes in base64, with or without its padding."""
    return 4 * -(-size // 3) if padded else -(-size * 4 // 3)


def _string(sort: bool, *, addressable: bool = False) -> Schema:
    """A string key value; ``addressable`` when it must also be one URL path segment."""
    schema: Schema = {"type": "string", "minLength": 1, "maxLength": _max_bytes(sort)}
    if addressable:
        schema["pattern"] = _ADDRESSABLE
    return schema


class _KeySchemas:
    """The schemas of one table shape's key values, in every form a request or an answer carries them."""

    def __init__(self, shape: TableShape) -> None:
        self.shape = shape
        #: Every key attribute (the table's, then the indexes'), whether it is a sort key, and what it is.
        self.attributes: dict[str, tuple[KeyAttribute, bool, str]] = {}
        for position, attribute in enumerate(shape.key):
            self.attributes[attribute.name] = (
                attribute,
                position == 1,
                ("the partition key", "the sort key")[position],
            )
        for index in shape.indexes.values():
            for position, attribute in enumerate(index.key):
                role = f"the {('partition', 'sort')[position]} key of index {index.name}"
                self.attributes.setdefault(attribute.name, (attribute, position == 1, role))
        self.plain_ok = all(attribute.type != "B" for attribute in shape.key)

    def _describe(self, name: str, text: str) -> str:
        """``The sort key, a string`` and what ``text`` adds."""
        attribute, _, role = self.attributes[name]
        return f"{role[0].upper()}{role[1:]}, {_TYPE_NAMES[attribute.type]}{text}."

    def plain(self, name: str, *, sent: bool, addressable: bool = False) -> Schema:
        """A key value in plain JSON; binary has no plain form a request can send (it reads as base64 text)."""
        attribute, sort, _ = self.attributes[name]
        if attribute.type == "S":
            schema = _string(sort, addressable=addressable)
            return {**schema, "description": self._describe(name, f": at most {_max_bytes(sort):,} bytes of UTF-8")}
        if attribute.type == "N":
            return {"type": "number", "description": self._describe(name, "")}
        if sent:
            return {"not": {}, "description": self._describe(name, ": plain JSON cannot send it; use format=dynamodb")}
        return {"type": "string", "format": "byte", "description": self._describe(name, ", as base64 text")}

    def typed(self, name: str, *, addressable: bool = False) -> Schema:
        """A key value in DynamoDB JSON: ``{"S": "..."}``, ``{"N": "..."}`` or ``{"B": "<base64>"}``."""
        attribute, sort, _ = self.attributes[name]
        value: Schema
        if attribute.type == "S":
            value = _string(sort, addressable=addressable)
            note = f', at most {_max_bytes(sort):,} bytes of UTF-8: {{"S": "1"}}'
        elif attribute.type == "N":
            value, note = _ref("schemas", "NumberText"), ': {"N": "1"}'
        else:
            most = _base64_length(_max_bytes(sort), padded=True)
            value = {"allOf": [_ref("schemas", "Base64")], "minLength": 4, "maxLength": most}
            note = f', at most {_max_bytes(sort):,} bytes: {{"B": "AAE="}}'
        return {
            "type": "object",
            "required": [attribute.type],
            "additionalProperties": False,
            "properties": {attribute.type: value},
            "description": self._describe(name, note),
        }

    def text(self, attribute: KeyAttribute, sort: bool, *, in_path: bool) -> Schema:
        """A key value as URL text: a string as it is, a number its decimal text, binary URL-safe base64."""
        if attribute.type == "S":
            return _string(sort, addressable=in_path)
        if attribute.type == "N":
            return _ref("schemas", "NumberText")
        most = _base64_length(_max_bytes(sort), padded=False)
        return {"type": "string", "minLength": 2, "maxLength": most, "pattern": _URL_SAFE_BASE64}

    def properties(self, *, typed: bool, sent: bool, addressable: bool = False) -> Schema:
        """The key attributes of an item, the table's and then the indexes'; only the table's are URL paths."""
        table = set(self.shape.key_names)
        return {
            name: self.typed(name, addressable=addressable and name in table)
            if typed
            else self.plain(name, sent=sent, addressable=addressable and name in table)
            for name in self.attributes
        }

    def key(self, *, typed: bool, start: bool = False, answered: bool = False) -> Schema:
        """``Key`` (exactly the table's key attributes), or a start key (the indexes' too, with IndexName).

        ``answered`` is a plain LastEvaluatedKey, where binary reads as base64 text that no request can send.
        """
        names = list(self.attributes) if start else list(self.shape.key_names)
        properties = {name: self.typed(name) if typed else self.plain(name, sent=not answered) for name in names}
        example = json.dumps(self.example(1, typed=typed))
        form = "DynamoDB JSON" if typed else "plain JSON"
        if answered:
            description = (
                f"LastEvaluatedKey in plain JSON: where the next page starts (pass it as ExclusiveStartKey), e.g. "
                f"{example}; with IndexName it holds the index's key attributes too."
            )
            if any(self.attributes[name][0].type == "B" for name in names):
                description += " Binary reads as base64 text, which plain JSON cannot send back: use format=dynamodb."
        elif not typed and not self.plain_ok:
            description = "An item's key: plain JSON cannot hold its binary attribute; use format=dynamodb."
        elif start:
            uses = "ExclusiveStartKey and LastEvaluatedKey" if typed else "ExclusiveStartKey"
            description = (
                f"{uses} in {form}: the table's key, e.g. {example}, and with IndexName the index's key "
                "attributes too (exactly those)."
            )
        else:
            description = f"An item's key in {form}: {example}."
        return {
            "type": "object",
            "required": list(self.shape.key_names),
            "additionalProperties": False,
            "properties": properties,
            "description": description,
        }

    def example(self, number: int, *, typed: bool) -> dict[str, Any]:
        """The key of the ``number``-th example item."""
        values: dict[str, Any] = {}
        for attribute in self.shape.key:
            if attribute.type == "S":
                values[attribute.name] = {"S": str(number)} if typed else str(number)
            elif attribute.type == "N":
                values[attribute.name] = {"N": str(number)} if typed else number
            else:
                text = base64.b64encode(bytes([0, number])).decode("ascii")
                values[attribute.name] = {"B": text} if typed else text
        return values


def _with_key(schema: Schema, properties: Schema, required: Iterable[str] = ()) -> None:
    """Set an item schema's key attributes, keeping what it says of the version."""
    kept = {name: value for name, value in schema.get("properties", {}).items() if name == VERSION_ATTRIBUTE}
    schema["properties"] = {**properties, **kept}
    if required := list(required):
        schema["required"] = required
    else:
        schema.pop("required", None)


def _path_names(shape: TableShape) -> tuple[str, ...]:
    """The item path's parameter names: the key attributes' own, or ``pk`` and ``sk``."""
    names = shape.key_names
    if all(_PARAMETER_NAME.match(name) for name in names):
        return names
    return ("pk", "sk")[: len(names)]


def _union(schemas: Iterable[Schema]) -> Schema:
    """One schema of several possible ones, each once."""
    unique = list({json.dumps(schema, sort_keys=True): schema for schema in schemas}.values())
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def _query(
    operation_id: str,
    summary: str,
    parameters: list[Schema],
    sort_keys: list[tuple[KeyAttribute, Schema]],
) -> Schema:
    """A partition query: its path parameters, the sort key conditions, order, limit, cursor and format."""
    conditions: list[Schema] = []
    if sort_keys:
        value = _union(schema for _, schema in sort_keys)
        prefixes = any(attribute.type != "N" for attribute, _ in sort_keys)
        for name, meaning in _CONDITIONS.items():
            if name == "begins_with" and not prefixes:
                continue
            conditions.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": value,
                    "description": f"Only the items whose sort key {meaning}.",
                }
            )
    order = {
        "name": "order",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
        "description": "By the sort key: ascending (the default) or descending.",
    }
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": (
                "At most one condition on the sort key (from and to together count as one), its value written "
                "as in a path: a string as it is, a number its decimal text, binary URL-safe base64 without "
                "padding."
            ),
            "parameters": [
                *parameters,
                _ref("parameters", "Format"),
                *conditions,
                order,
                _ref("parameters", "Limit"),
                _ref("parameters", "Cursor"),
            ],
            "responses": {
                "200": _ref("responses", "Page"),
                "400": _ref("responses", "BadRequest"),
                "503": _ref("responses", "ServiceUnavailable"),
            },
        }
    }


def _path_parameter(keys: _KeySchemas, attribute: KeyAttribute, sort: bool, name: str) -> Schema:
    """An item path's parameter for one key attribute, with the path form of its type."""
    role = "sort" if sort else "partition"
    forms = {
        "S": f"at most {_max_bytes(sort):,} bytes of UTF-8, no '/', not . or .. (keys the REST routes cannot "
        "address can still be used through POST /dynamodbmanager)",
        "N": "its decimal text, e.g. 42 or -1.5",
        "B": "URL-safe base64 without padding (RFC 4648 section 5), e.g. AAE",
    }
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": keys.text(attribute, sort, in_path=True),
        "description": f"The item's {role} key '{attribute.name}' ({_TYPE_NAMES[attribute.type]}): "
        f"{forms[attribute.type]}.",
    }


def _examples(keys: _KeySchemas, template: Schema) -> Schema:
    """The RPC examples for the table's key: plain ones where its key has a plain form, typed ones always."""
    shape = keys.shape
    partition = shape.partition.name
    first = keys.example(1, typed=False)
    examples: Schema = {}
    if keys.plain_ok:
        examples["create"] = {"operation": "create", "payload": {"Item": {**first, "organization": "Impacta"}}}
        examples["read"] = {"operation": "read", "payload": {"Key": first}}
        examples["update"] = {
            "operation": "update",
            "payload": {"Key": first, "AttributeUpdates": {"organization": {"Value": "Impacta Up"}}},
        }
        examples["delete"] = {"operation": "delete", "payload": {"Key": first}}
    examples["list"] = template["list"]["value"]
    if keys.plain_ok:
        examples["query"] = {
            "operation": "query",
            "payload": {
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": partition},
                "ExpressionAttributeValues": {":pk": first[partition]},
            },
        }
        examples["batch_get"] = {"operation": "batch_get", "payload": {"Keys": [first, keys.example(2, typed=False)]}}
        examples["transact_write"] = {
            "operation": "transact_write",
            "payload": {
                "TransactItems": [
                    {"Put": {"Item": {**keys.example(3, typed=False), "organization": "Impacta"}}},
                    {
                        "Update": {
                            "Key": first,
                            "UpdateExpression": "SET organization = :o",
                            "ExpressionAttributeValues": {":o": "Impacta Up"},
                        }
                    },
                ]
            },
        }
    result = {name: {"value": value} for name, value in examples.items()}
    for name in ("createTyped", "updateTyped"):
        typed = json.loads(json.dumps(template[name]))
        payload = typed["value"]["payload"]
        target = payload["Item"] if "Item" in payload else payload["Key"]
        rest = {field: value for field, value in target.items() if field not in DEFAULT_SHAPE.key_names}
        fresh = keys.example(2, typed=True)
        if "Item" in payload:
            payload["Item"] = {**fresh, **rest}
        else:
            payload["Key"] = fresh
        result[name] = typed
    return result


def document(shape: TableShape) -> dict[str, Any]:
    """The OpenAPI document of a table of ``shape``: the template, its key-dependent parts built for the shape."""
    doc: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    keys = _KeySchemas(shape)
    _, shared = doc["info"]["description"].split("\n\n", 1)
    indexes = f"; its indexes {', '.join(sorted(shape.indexes))}" if shape.indexes else ""
    doc["info"]["description"] = (
        f"A CRUD API over one DynamoDB table, keyed by {', '.join(f'{a.name} ({a.type})' for a in shape.key)}"
        f"{indexes}: the classic RPC endpoint (POST /dynamodbmanager) and a REST resource API (/items). "
        "GET /table describes the table.\n\n" + shared
    )
    _set_key_schemas(doc["components"]["schemas"], keys)
    doc["paths"] = _paths(doc, keys)
    rpc = doc["paths"]["/dynamodbmanager"]["post"]["requestBody"]["content"]["application/json"]
    rpc["examples"] = _examples(keys, rpc["examples"])
    _set_create(doc["paths"]["/items"]["post"], keys)
    doc["paths"]["/table"]["get"]["responses"]["200"]["content"]["application/json"]["example"] = _design(shape)
    return doc


def _set_key_schemas(schemas: Schema, keys: _KeySchemas) -> None:
    """The schemas that name key attributes: items, keys, start keys, and the index a read may name."""
    shape = keys.shape
    for name, typed, sent, addressable, required in (
        ("Item", False, False, False, True),
        ("TypedItem", True, False, False, True),
        ("NewItem", False, True, True, False),
        ("TypedNewItem", True, True, True, False),
        ("TypedMergePatch", True, True, True, False),
        ("RpcItem", False, True, False, True),
        ("RpcTypedItem", True, True, False, True),
    ):
        properties = keys.properties(typed=typed, sent=sent, addressable=addressable)
        _with_key(schemas[name], properties, shape.key_names if required else ())
    schemas["Key"] = keys.key(typed=False)
    schemas["TypedKey"] = keys.key(typed=True)
    schemas["StartKey"] = keys.key(typed=False, start=True)
    schemas["TypedStartKey"] = keys.key(typed=True, start=True)
    schemas["LastEvaluatedKey"] = keys.key(typed=False, start=True, answered=True)
    if shape.indexes:
        schemas["IndexName"] = {
            "type": "string",
            "enum": sorted(shape.indexes),
            "description": "The secondary index to read instead of the table (GET /table describes each).",
        }
    else:
        schemas["IndexName"] = {"not": {}, "description": "The table has no secondary index to name."}
    schemas["Select"] = {
        "type": "string",
        "enum": [value for value in _SELECT if shape.indexes or value != "ALL_PROJECTED_ATTRIBUTES"],
        "description": "What to return: SPECIFIC_ATTRIBUTES goes with ProjectionExpression (and only it), "
        "ALL_PROJECTED_ATTRIBUTES with IndexName, COUNT returns Count alone.",
    }


def _paths(doc: dict[str, Any], keys: _KeySchemas) -> dict[str, Any]:
    """The template's paths with the item's path for the table's key, and its partition and index queries."""
    shape = keys.shape
    names = _path_names(shape)
    parameters = doc["components"]["parameters"]
    parameters["PartitionKey"] = _path_parameter(keys, shape.partition, False, names[0])
    item_parameters = [_ref("parameters", "PartitionKey")]
    if shape.sort is not None:
        parameters["SortKey"] = _path_parameter(keys, shape.sort, True, names[1])
        item_parameters.append(_ref("parameters", "SortKey"))
    template_member = "/items/" + "/".join(f"{{{name}}}" for name in _path_names(DEFAULT_SHAPE))
    paths: dict[str, Any] = {}
    for path, item in doc["paths"].items():
        if path != template_member:
            paths[path] = item
            continue
        if shape.sort is not None:
            paths[f"/items/{{{names[0]}}}"] = _query(
                "queryItems",
                f"The items of one partition, by their sort key '{shape.sort.name}'.",
                [_ref("parameters", "PartitionKey")],
                [(shape.sort, keys.text(shape.sort, True, in_path=False))],
            )
        item["parameters"] = item_parameters
        paths["/items/" + "/".join(f"{{{name}}}" for name in names)] = item
        if shape.indexes:
            paths["/indexes/{index}/items/{pk}"] = _index_query(keys)
    return paths


def _set_create(operation: Schema, keys: _KeySchemas) -> None:
    """``POST /items``: whether the key is generated, and the examples of its body."""
    shape = keys.shape
    if shape.sort is None and shape.partition.type == "S":
        operation["summary"] = f"Create an item; its {shape.partition.name} is generated when absent."
    else:
        operation["summary"] = f"Create an item; the body has its key ({', '.join(shape.key_names)})."
    bodies = operation["requestBody"]["content"]["application/json"]["examples"]
    typed = bodies.pop("typed")
    bodies.pop("plain", None)
    if keys.plain_ok:
        bodies["plain"] = {
            "summary": "plain JSON",
            "value": {**keys.example(1, typed=False), "organization": "Impacta"},
        }
    rest = {name: value for name, value in typed["value"].items() if name not in DEFAULT_SHAPE.key_names}
    bodies["typed"] = {**typed, "value": {**keys.example(1, typed=True), **rest}}


def _index_query(keys: _KeySchemas) -> Schema:
    """``GET /indexes/{index}/items/{pk}``: the index names as an enum, the partition and sort keys they have."""
    indexes = keys.shape.indexes.values()
    described = "; ".join(
        f"{index.name} ({index.kind}, key {', '.join(f'{a.name} ({a.type})' for a in index.key)}, "
        f"projects {index.projection})"
        for index in sorted(indexes, key=lambda index: index.name)
    )
    index_parameter = {
        "name": "index",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": sorted(keys.shape.indexes)},
        "description": f"The secondary index: {described}.",
    }
    partitions = ", ".join(f"{index.partition.name} for {index.name}" for index in indexes)
    partition_parameter = {
        "name": "pk",
        "in": "path",
        "required": True,
        "schema": _union(keys.text(index.partition, False, in_path=True) for index in indexes),
        "description": f"The value of the index's partition key ({partitions}), written as in an item's path.",
    }
    sort_keys = [
        (index.sort, keys.text(index.sort, True, in_path=False)) for index in indexes if index.sort is not None
    ]
    return _query(
        "queryIndex",
        "The items of one partition of a secondary index, by the index's sort key.",
        [index_parameter, partition_parameter],
        sort_keys,
    )


def _design(shape: TableShape) -> dict[str, Any]:
    """What ``GET /table`` answers for ``shape``, as the example of its response."""

    def key(attributes: Iterable[KeyAttribute]) -> list[dict[str, str]]:
        return [{"name": attribute.name, "type": attribute.type} for attribute in attributes]

    return {
        "name": shape.table_name,
        "key": key(shape.key),
        "indexes": [
            {"name": index.name, "kind": index.kind, "key": key(index.key), "projection": index.projection}
            for index in shape.indexes.values()
        ],
    }


def text(shape: TableShape = DEFAULT_SHAPE) -> str:
    """The document of ``shape`` as JSON text, built once per shape."""
    cache_key = f"{shape.table_name}\n{shape.to_env()}"
    if cache_key not in _documents:
        _documents[cache_key] = json.dumps(document(shape), ensure_ascii=False, separators=(",", ":"))
    return _documents[cache_key]


def response(shape: TableShape = DEFAULT_SHAPE) -> Response:
    """``GET /openapi.json`` for a table of ``shape``."""
    return Response(200, text(shape), {"Content-Type": JSON})


class OpenApiDocument:
    """The route that serves the document of the table the service runs on."""

    def __init__(self, shape: TableShape) -> None:
        self._shape = shape

    def register(self, router: Router[Callable[[Request, dict[str, str]], Response]]) -> None:
        """Add ``GET /openapi.json``."""
        router.add("GET", PATH, self.serve)

    def serve(self, request: Request, _params: dict[str, str]) -> Response:
        """The document, built on the first request and kept for the container's life."""
        request.operation = "openapi"
        return response(self._shape)
