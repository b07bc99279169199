"""The hostile-input corpus: bad requests to both contracts, each with the 4xx and the stable error code it must get.

Every case names what a careless client or an attacker sends; the test sends it over HTTP to the local stack
and as API Gateway events of both payload formats straight to the app, and checks that the answer is the
expected refusal and that the table did not change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dynamodbmanager.store import cursor
from tests.reliability.transports import HTTP, TRANSPORTS, V1, V2, Request

#: Items that exist before every case, so that a refused write has something it could have damaged.
SEEDS: dict[str, dict[str, Any]] = {
    "hostile-1": {"id": "hostile-1", "name": "lamp", "price": 19.99, "tags": ["a", "b"]},
    "hostile-2": {"id": "hostile-2", "name": "desk", "nested": {"deep": {"n": 1}}},
}
JSON_TYPE = (("Content-Type", "application/json"),)
MERGE_PATCH = (("Content-Type", "application/merge-patch+json"),)
LONG_KEY = "k" * 2049
#: 1,025 two-byte characters: 1,025 characters but 2,050 bytes, over DynamoDB's 2,048-byte key limit.
LONG_UTF8_KEY = "é" * 1025
SIX_MB = 6 * 1024 * 1024 + 1
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
HUGE_INTEGER = "1" * 5000


@dataclass(frozen=True)
class Case:
    """One hostile request and the refusal it must get (per transport where API Gateway itself answers)."""

    name: str
    request: Request
    status: int
    code: str
    transports: tuple[str, ...] = TRANSPORTS
    #: Another expected (status, code) for some transports: the local gateway answers some requests itself.
    overrides: dict[str, tuple[int, str]] = field(default_factory=dict)

    def expected(self, transport: str) -> tuple[int, str]:
        """The (status, code) this transport must get."""
        return self.overrides.get(transport, (self.status, self.code))


def raw(body: str | bytes) -> bytes:
    """A body exactly as given."""
    return body.encode("utf-8") if isinstance(body, str) else body


def rpc_body(operation: Any, payload: Any = None, **extra: Any) -> bytes:
    """An RPC envelope as JSON bytes."""
    envelope: dict[str, Any] = {"operation": operation, **extra}
    if payload is not None:
        envelope["payload"] = payload
    return json.dumps(envelope).encode()


def rpc(name: str, body: bytes | None, status: int, code: str, **options: Any) -> Case:
    """A case for ``POST /dynamodbmanager`` with a JSON Content-Type unless the case sets another."""
    headers = options.pop("headers", JSON_TYPE)
    event_body = options.pop("event_body", None)
    request = Request("POST", "/dynamodbmanager", headers=headers, body=body, event_body=event_body)
    return Case(f"rpc: {name}", request, status, code, **options)


def rest(name: str, method: str, path: str, status: int, code: str, **options: Any) -> Case:
    """A case for the REST resource API."""
    request = Request(
        method,
        path,
        query=options.pop("query", ""),
        headers=options.pop("headers", JSON_TYPE if options.get("body") is not None else ()),
        body=options.pop("body", None),
        event_body=options.pop("event_body", None),
    )
    return Case(f"rest: {name}", request, status, code, **options)


def cursors(table_name: str) -> dict[str, str]:
    """Cursors that look right but are not: truncated, tampered with, signed by another key, over-long."""
    good = cursor.encode({"id": {"S": "hostile-1"}}, table_name.encode())
    payload, signature = good.split(".")
    forged_payload = cursor.encode({"id": {"S": "hostile-2"}}, table_name.encode()).split(".")[0]
    return {
        "truncated": good[: len(good) - 4],
        "tampered": f"{forged_payload}.{signature}",
        "foreign": cursor.encode({"id": {"S": "hostile-1"}}, b"another-key"),
        "unsigned": payload,
        "overlong": "A" * 5000 + "." + signature,
        "garbled": "%%%not-base64!!!.???",
        "not a key": cursor.encode({"Key": {"S": "x"}, "id": {"S": "y"}}, table_name.encode()),
    }


def build(table_name: str) -> list[Case]:
    """Every case of the corpus for the table ``table_name`` (whose name signs its cursors)."""
    item = {"id": "hostile-new", "name": "x"}
    return [
        # --- The body itself: absent, not JSON, not an object, too big, too deep, not text.
        rpc("no body", None, 400, "InvalidJson"),
        rpc("blank body", b"  \n\t ", 400, "InvalidJson"),
        rpc("not JSON", b"operation=create", 400, "InvalidJson"),
        rpc("truncated JSON", b'{"operation": "read", "payload": {"Key": {"id": "hostile-1"}', 400, "InvalidJson"),
        rpc("JSON array", b'[{"operation": "read"}]', 400, "InvalidJson"),
        rpc("JSON string", b'"create"', 400, "InvalidJson"),
        rpc("JSON number", b"42", 400, "InvalidJson"),
        rpc("JSON null", b"null", 400, "InvalidJson"),
        rpc("JSON true", b"true", 400, "InvalidJson"),
        rpc("10,000 nested arrays", raw(DEEP_ARRAY), 400, "InvalidJson"),
        rpc("10,000 nested objects", raw(DEEP_OBJECT), 400, "InvalidJson"),
        rpc(
            "10,000 nested levels inside an item",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","a":' + DEEP_ARRAY + "}}}"),
            400,
            "InvalidJson",
        ),
        rpc(
            "6 MB body",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","a":"' + "x" * SIX_MB + '"}}}'),
            413,
            "PayloadTooLarge",
            overrides={HTTP: (413, "Request Too Long")},
        ),
        rpc(
            "2 MB body",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","a":"' + "x" * 2_000_000 + '"}}}'),
            413,
            "PayloadTooLarge",
        ),
        rpc("invalid UTF-8", b'{"operation": "create", "payload": {"Item": {"id": "\xff\xfe"}}}', 400, "InvalidJson"),
        rpc("overlong UTF-8 encoding of /", b'{"operation": "read", "x": "\xc0\xaf"}', 400, "InvalidJson"),
        rpc("UTF-16 body", '{"operation": "list"}'.encode("utf-16"), 400, "InvalidJson"),
        rpc(
            "base64 flag with invalid base64",
            None,
            400,
            "InvalidBody",
            transports=(V1, V2),
            event_body=("not*base64*at*all", True),
        ),
        rpc(
            "base64 flag with truncated base64",
            None,
            400,
            "InvalidBody",
            transports=(V1, V2),
            event_body=("eyJvcGVyYXRpb24iOiAibGlzdCJ9a", True),
        ),
        rpc(
            "lone surrogate in the event's body string",
            None,
            400,
            "InvalidJson",
            transports=(V1, V2),
            event_body=('{"operation": "create", "payload": {"Item": {"id": "\ud800"}}}', False),
        ),
        # --- The envelope: operation and payload of the wrong kind.
        rpc("unknown operation", rpc_body("drop", {}), 400, "UnknownOperation"),
        rpc("operation in capitals", rpc_body("CREATE", {"Item": item}), 400, "UnknownOperation"),
        rpc("operation missing", json.dumps({"payload": {"Item": item}}).encode(), 400, "UnknownOperation"),
        rpc("operation a number", rpc_body(1, {}), 400, "UnknownOperation"),
        rpc("operation a list", rpc_body(["create"], {"Item": item}), 400, "UnknownOperation"),
        rpc("operation null", rpc_body(None, {}), 400, "UnknownOperation"),
        rpc("payload a string", rpc_body("read", "hostile-1"), 400, "ValidationError"),
        rpc("payload a list", rpc_body("create", [item]), 400, "ValidationError"),
        rpc("payload null", json.dumps({"operation": "list", "payload": None}).encode(), 400, "ValidationError"),
        rpc("lone surrogate as an unknown member", raw('{"\\ud800": 1, "operation": "list"}'), 400, "ValidationError"),
        rpc("TableName beside the envelope", rpc_body("list", {}, TableName="other"), 400, "ValidationError"),
        # --- Parameters that do not belong to the operation.
        rpc("TableName in create", rpc_body("create", {"Item": item, "TableName": "other"}), 400, "UnknownParameter"),
        rpc(
            "TableName in delete",
            rpc_body("delete", {"Key": {"id": "hostile-1"}, "TableName": "x"}),
            400,
            "UnknownParameter",
        ),
        rpc("Segment past TotalSegments", rpc_body("list", {"Segment": 2, "TotalSegments": 2}), 400, "ValidationError"),
        rpc("TotalSegments without Segment", rpc_body("list", {"TotalSegments": 2}), 400, "ValidationError"),
        rpc(
            "ReturnConsumedCapacity in read",
            rpc_body("read", {"Key": {"id": "hostile-1"}, "ReturnConsumedCapacity": "TOTAL"}),
            400,
            "UnknownParameter",
        ),
        rpc(
            "ReturnItemCollectionMetrics in create",
            rpc_body("create", {"Item": item, "ReturnItemCollectionMetrics": "SIZE"}),
            400,
            "UnknownParameter",
        ),
        rpc(
            "legacy Expected in update",
            rpc_body("update", {"Key": {"id": "hostile-1"}, "Expected": {"name": {"Exists": False}}}),
            400,
            "UnknownParameter",
        ),
        rpc("Item in delete", rpc_body("delete", {"Key": {"id": "hostile-1"}, "Item": item}), 400, "UnknownParameter"),
        rpc("Limit in read", rpc_body("read", {"Key": {"id": "hostile-1"}, "Limit": 1}), 400, "UnknownParameter"),
        rpc("IndexName the table lacks", rpc_body("list", {"IndexName": "gsi"}), 400, "UnknownIndex"),
        rpc(
            "query of an attribute that is no key",
            rpc_body("query", {"KeyConditionExpression": "a = :a", "ExpressionAttributeValues": {":a": 1}}),
            400,
            "InvalidKeyCondition",
        ),
        rpc(
            "batch_get of a repeated key",
            rpc_body("batch_get", {"Keys": [{"id": "a"}, {"id": "a"}]}),
            400,
            "ValidationError",
        ),
        rpc(
            "transact_write on one item twice",
            rpc_body(
                "transact_write",
                {
                    "TransactItems": [
                        {"Delete": {"Key": {"id": "hostile-1"}}},
                        {"ConditionCheck": {"Key": {"id": "hostile-1"}, "ConditionExpression": "attribute_exists(id)"}},
                    ]
                },
            ),
            400,
            "ValidationError",
        ),
        # --- Keys: missing, empty, too long, of the wrong type, with extra attributes.
        rpc("read without Key", rpc_body("read", {}), 400, "MissingParameter"),
        rpc("create without Item", rpc_body("create", {}), 400, "MissingParameter"),
        rpc("delete without Key", rpc_body("delete", {"ReturnValues": "ALL_OLD"}), 400, "MissingParameter"),
        rpc("update without Key", rpc_body("update", {"UpdateExpression": "REMOVE a"}), 400, "MissingParameter"),
        rpc("Key empty", rpc_body("read", {"Key": {}}), 400, "InvalidKey"),
        rpc("Key a string", rpc_body("read", {"Key": "hostile-1"}), 400, "InvalidKey"),
        rpc(
            "Key with an extra attribute",
            rpc_body("delete", {"Key": {"id": "hostile-1", "name": "lamp"}}),
            400,
            "InvalidKey",
        ),
        rpc("Key id a number", rpc_body("delete", {"Key": {"id": 1}}), 400, "InvalidKey"),
        rpc("Key id typed like DynamoDB", rpc_body("delete", {"Key": {"id": {"S": "hostile-1"}}}), 400, "InvalidKey"),
        rpc("Key id null", rpc_body("read", {"Key": {"id": None}}), 400, "InvalidKey"),
        rpc("Key id empty", rpc_body("delete", {"Key": {"id": ""}}), 400, "InvalidKey"),
        rpc("Key id of 2,049 bytes", rpc_body("read", {"Key": {"id": LONG_KEY}}), 400, "InvalidKey"),
        rpc("Key id of 2,050 UTF-8 bytes", rpc_body("delete", {"Key": {"id": LONG_UTF8_KEY}}), 400, "InvalidKey"),
        rpc("Item without id", rpc_body("create", {"Item": {"name": "x"}}), 400, "InvalidKey"),
        rpc("Item id empty", rpc_body("create", {"Item": {"id": ""}}), 400, "InvalidKey"),
        rpc("Item id a number", rpc_body("create", {"Item": {"id": 7}}), 400, "InvalidKey"),
        rpc("Item id of 2,049 bytes", rpc_body("create", {"Item": {"id": LONG_KEY}}), 400, "InvalidKey"),
        rpc("Item a list", rpc_body("create", {"Item": [item]}), 400, "ValidationError"),
        rpc(
            "ExclusiveStartKey with extras",
            rpc_body("list", {"ExclusiveStartKey": {"id": "a", "b": 1}}),
            400,
            "InvalidKey",
        ),
        # --- Values DynamoDB cannot hold.
        rpc(
            "item over 400 KB",
            rpc_body("create", {"Item": {"id": "hostile-new", "blob": "x" * 410_000}}),
            413,
            "ItemTooLarge",
        ),
        rpc(
            "number with 39 digits",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":' + "9" * 39 + "}}}"),
            400,
            "ValidationError",
        ),
        rpc(
            "number with 5,000 digits",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":' + HUGE_INTEGER + "}}}"),
            400,
            "ValidationError",
        ),
        rpc(
            "number 1E+400",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":1E+400}}}'),
            400,
            "ValidationError",
        ),
        rpc(
            "number 1E-400",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":1E-400}}}'),
            400,
            "ValidationError",
        ),
        rpc(
            "NaN", raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":NaN}}}'), 400, "ValidationError"
        ),
        rpc(
            "Infinity",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":Infinity}}}'),
            400,
            "ValidationError",
        ),
        rpc(
            "-Infinity",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","n":-Infinity}}}'),
            400,
            "ValidationError",
        ),
        rpc(
            "lone surrogate escape in a value",
            raw('{"operation":"create","payload":{"Item":{"id":"hostile-new","s":"\\udc00"}}}'),
            400,
            "ValidationError",
        ),
        rpc(
            "lone surrogate escape in the key",
            raw('{"operation":"delete","payload":{"Key":{"id":"hostile-1\\ud800"}}}'),
            400,
            "ValidationError",
        ),
        rpc("empty attribute name", rpc_body("create", {"Item": {"id": "hostile-new", "": 1}}), 400, "ValidationError"),
        rpc(
            "nested 33 levels",
            rpc_body("create", {"Item": {"id": "hostile-new", "a": json.loads("[" * 33 + "]" * 33)}}),
            400,
            "ValidationError",
        ),
        # --- Expressions: undefined, unused or reserved placeholders, bad types, managed attributes.
        rpc(
            "undefined value placeholder",
            rpc_body(
                "update",
                {
                    "Key": {"id": "hostile-1"},
                    "UpdateExpression": "SET #n = :v",
                    "ExpressionAttributeNames": {"#n": "name"},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "undefined name placeholder",
            rpc_body(
                "update",
                {"Key": {"id": "hostile-1"}, "UpdateExpression": "SET #n = :v", "ExpressionAttributeValues": {":v": 1}},
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "unused placeholder",
            rpc_body(
                "delete",
                {
                    "Key": {"id": "hostile-1"},
                    "ConditionExpression": "attribute_exists(id)",
                    "ExpressionAttributeValues": {":v": 1},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "placeholder reserved by the service",
            rpc_body(
                "update",
                {
                    "Key": {"id": "hostile-1"},
                    "UpdateExpression": "SET a = :dm_one",
                    "ExpressionAttributeValues": {":dm_one": 5},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "update that sets _version",
            rpc_body(
                "update",
                {
                    "Key": {"id": "hostile-1"},
                    "UpdateExpression": "SET #v = :v",
                    "ExpressionAttributeNames": {"#v": "_version"},
                    "ExpressionAttributeValues": {":v": 99},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "update that sets the key",
            rpc_body(
                "update",
                {
                    "Key": {"id": "hostile-1"},
                    "UpdateExpression": "SET #k = :v",
                    "ExpressionAttributeNames": {"#k": "id"},
                    "ExpressionAttributeValues": {":v": "other"},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "legacy update of the key",
            rpc_body("update", {"Key": {"id": "hostile-1"}, "AttributeUpdates": {"id": {"Value": "other"}}}),
            400,
            "ValidationError",
        ),
        rpc(
            "both AttributeUpdates and UpdateExpression",
            rpc_body(
                "update",
                {"Key": {"id": "hostile-1"}, "AttributeUpdates": {"a": {"Value": 1}}, "UpdateExpression": "REMOVE a"},
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "legacy ADD without a value",
            rpc_body("update", {"Key": {"id": "hostile-1"}, "AttributeUpdates": {"a": {"Action": "ADD"}}}),
            400,
            "ValidationError",
        ),
        rpc(
            "legacy DELETE of a list's elements",
            rpc_body(
                "update", {"Key": {"id": "hostile-1"}, "AttributeUpdates": {"a": {"Action": "DELETE", "Value": [1]}}}
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "legacy ADD of a string",
            rpc_body(
                "update", {"Key": {"id": "hostile-1"}, "AttributeUpdates": {"a": {"Action": "ADD", "Value": "x"}}}
            ),
            400,
            "ValidationError",
        ),
        rpc("update with nothing to do", rpc_body("update", {"Key": {"id": "hostile-1"}}), 400, "ValidationError"),
        rpc(
            "syntax error in UpdateExpression",
            rpc_body(
                "update",
                {
                    "Key": {"id": "hostile-1"},
                    "UpdateExpression": "SET SET = = :v",
                    "ExpressionAttributeValues": {":v": 1},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "ConditionExpression a number",
            rpc_body("delete", {"Key": {"id": "hostile-1"}, "ConditionExpression": 1}),
            400,
            "ValidationError",
        ),
        rpc(
            "ConditionExpression empty",
            rpc_body("delete", {"Key": {"id": "hostile-1"}, "ConditionExpression": " "}),
            400,
            "ValidationError",
        ),
        rpc(
            "ExpressionAttributeValues a list",
            rpc_body(
                "update",
                {"Key": {"id": "hostile-1"}, "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": [1]},
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "ExpressionAttributeNames to a number",
            rpc_body(
                "read",
                {"Key": {"id": "hostile-1"}, "ProjectionExpression": "#a", "ExpressionAttributeNames": {"#a": 1}},
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "ReturnValues unknown",
            rpc_body("delete", {"Key": {"id": "hostile-1"}, "ReturnValues": "EVERYTHING"}),
            400,
            "ValidationError",
        ),
        rpc(
            "ReturnValues ALL_NEW on create",
            rpc_body("create", {"Item": item, "ReturnValues": "ALL_NEW"}),
            400,
            "ValidationError",
        ),
        rpc(
            "ConsistentRead a string",
            rpc_body("read", {"Key": {"id": "hostile-1"}, "ConsistentRead": "yes"}),
            400,
            "ValidationError",
        ),
        rpc("Limit 0", rpc_body("list", {"Limit": 0}), 400, "ValidationError"),
        rpc("Limit -1", rpc_body("list", {"Limit": -1}), 400, "ValidationError"),
        rpc("Limit 10**9", rpc_body("list", {"Limit": 10**9}), 400, "ValidationError"),
        rpc("Limit a string", rpc_body("list", {"Limit": "10"}), 400, "ValidationError"),
        rpc("Limit true", rpc_body("list", {"Limit": True}), 400, "ValidationError"),
        rpc("Limit 2.5", rpc_body("list", {"Limit": 2.5}), 400, "ValidationError"),
        rpc(
            "condition that fails",
            rpc_body("delete", {"Key": {"id": "hostile-1"}, "ConditionExpression": "attribute_not_exists(id)"}),
            409,
            "ConditionalCheckFailed",
        ),
        # --- Media types and methods.
        rpc(
            "Content-Type XML",
            rpc_body("list", {}),
            415,
            "UnsupportedMediaType",
            headers=(("Content-Type", "application/xml"),),
        ),
        rpc(
            "Content-Type multipart",
            rpc_body("list", {}),
            415,
            "UnsupportedMediaType",
            headers=(("Content-Type", "multipart/form-data; boundary=x"),),
        ),
        rest("GET on the RPC endpoint", "GET", "/dynamodbmanager", 405, "MethodNotAllowed"),
        rest("DELETE on the RPC endpoint", "DELETE", "/dynamodbmanager", 405, "MethodNotAllowed"),
        rest("PUT on the RPC endpoint", "PUT", "/dynamodbmanager", 405, "MethodNotAllowed", body=rpc_body("list", {})),
        rest("TRACE", "TRACE", "/items", 405, "MethodNotAllowed"),
        rest("PROPFIND", "PROPFIND", "/items/hostile-1", 405, "MethodNotAllowed"),
        rest("CONNECT-like method", "FOO", "/items", 405, "MethodNotAllowed"),
        rest("DELETE on the collection", "DELETE", "/items", 405, "MethodNotAllowed"),
        rest("POST on a member", "POST", "/items/hostile-1", 405, "MethodNotAllowed", body=raw('{"name": "x"}')),
        # --- REST bodies.
        rest("POST without body", "POST", "/items", 400, "InvalidJson", headers=JSON_TYPE),
        rest("POST not JSON", "POST", "/items", 400, "InvalidJson", body=raw("id=hostile-new")),
        rest("POST a JSON array", "POST", "/items", 400, "InvalidJson", body=raw('[{"id": "hostile-new"}]')),
        rest("POST 10,000 nested objects", "POST", "/items", 400, "InvalidJson", body=raw(DEEP_OBJECT)),
        rest(
            "POST as text/plain",
            "POST",
            "/items",
            415,
            "UnsupportedMediaType",
            body=raw('{"id": "hostile-new"}'),
            headers=(("Content-Type", "text/plain"),),
        ),
        rest("POST id a number", "POST", "/items", 400, "InvalidKey", body=raw('{"id": 5}')),
        rest("POST id empty", "POST", "/items", 400, "InvalidKey", body=raw('{"id": ""}')),
        rest("POST id of 2,049 bytes", "POST", "/items", 400, "InvalidKey", body=raw(json.dumps({"id": LONG_KEY}))),
        rest("POST id with a slash", "POST", "/items", 400, "InvalidKey", body=raw('{"id": "a/b"}')),
        rest("POST id ..", "POST", "/items", 400, "InvalidKey", body=raw('{"id": ".."}')),
        rest(
            "POST 39 digits",
            "POST",
            "/items",
            400,
            "ValidationError",
            body=raw('{"id": "hostile-new", "n": ' + "1" * 39 + "}"),
        ),
        rest("POST NaN", "POST", "/items", 400, "ValidationError", body=raw('{"id": "hostile-new", "n": NaN}')),
        rest(
            "POST over 400 KB",
            "POST",
            "/items",
            413,
            "ItemTooLarge",
            body=raw(json.dumps({"id": "hostile-new", "b": "y" * 410_000})),
        ),
        rest(
            "POST an existing id",
            "POST",
            "/items",
            409,
            "ItemExists",
            body=raw('{"id": "hostile-1", "name": "overwrite"}'),
        ),
        rest("PUT id differs from path", "PUT", "/items/hostile-1", 400, "IdMismatch", body=raw('{"id": "hostile-2"}')),
        rest(
            "PUT If-Match garbage",
            "PUT",
            "/items/hostile-1",
            400,
            "InvalidPrecondition",
            body=raw("{}"),
            headers=(*JSON_TYPE, ("If-Match", "garbage")),
        ),
        rest(
            "PUT If-Match stale",
            "PUT",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            body=raw("{}"),
            headers=(*JSON_TYPE, ("If-Match", '"999"')),
        ),
        rest(
            "PUT If-None-Match the current version",
            "PUT",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            body=raw("{}"),
            headers=(*JSON_TYPE, ("If-None-Match", '"1"')),
        ),
        rest(
            "PUT If-None-Match * over an item",
            "PUT",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            body=raw("{}"),
            headers=(*JSON_TYPE, ("If-None-Match", "*")),
        ),
        rest(
            "PATCH If-Match garbage",
            "PATCH",
            "/items/hostile-1",
            400,
            "InvalidPrecondition",
            body=raw('{"name": "x"}'),
            headers=(*MERGE_PATCH, ("If-Match", "'1'")),
        ),
        rest(
            "PATCH If-Match stale",
            "PATCH",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            body=raw('{"name": "x"}'),
            headers=(*MERGE_PATCH, ("If-Match", '"999"')),
        ),
        rest(
            "PATCH If-Match 20 digits",
            "PATCH",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            body=raw('{"name": "x"}'),
            headers=(*MERGE_PATCH, ("If-Match", '"' + "9" * 20 + '"')),
        ),
        rest(
            "PATCH as text/plain",
            "PATCH",
            "/items/hostile-1",
            415,
            "UnsupportedMediaType",
            body=raw('{"name": "x"}'),
            headers=(("Content-Type", "text/plain"),),
        ),
        rest(
            "PATCH changing the id",
            "PATCH",
            "/items/hostile-1",
            400,
            "IdMismatch",
            body=raw('{"id": "hostile-9"}'),
            headers=MERGE_PATCH,
        ),
        rest(
            "PATCH a JSON array",
            "PATCH",
            "/items/hostile-1",
            400,
            "InvalidJson",
            body=raw('[{"op": "remove", "path": "/name"}]'),
            headers=MERGE_PATCH,
        ),
        rest(
            "PATCH a missing item",
            "PATCH",
            "/items/hostile-missing",
            404,
            "NotFound",
            body=raw('{"name": "x"}'),
            headers=MERGE_PATCH,
        ),
        rest(
            "PATCH 10,000 nested arrays",
            "PATCH",
            "/items/hostile-1",
            400,
            "InvalidJson",
            body=raw(DEEP_ARRAY),
            headers=MERGE_PATCH,
        ),
        rest(
            "DELETE If-Match garbage",
            "DELETE",
            "/items/hostile-1",
            400,
            "InvalidPrecondition",
            headers=(("If-Match", "W/garbage"),),
        ),
        rest(
            "DELETE If-Match stale",
            "DELETE",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            headers=(("If-Match", '"999"'),),
        ),
        rest(
            "DELETE If-Match two other versions",
            "DELETE",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            headers=(("If-Match", '"998", "999"'),),
        ),
        rest("DELETE a missing item", "DELETE", "/items/hostile-missing", 404, "NotFound"),
        rest(
            "GET If-None-Match garbage",
            "GET",
            "/items/hostile-1",
            400,
            "InvalidPrecondition",
            headers=(("If-None-Match", "1"),),
        ),
        rest("GET an id of 2,049 bytes", "GET", "/items/" + LONG_KEY, 400, "InvalidKey"),
        # --- Paths: traversal and encoded slashes.
        rest("traversal to /etc/passwd", "GET", "/items/../../etc/passwd", 404, "RouteNotFound"),
        rest("dot-dot as the id", "GET", "/items/..", 400, "InvalidPath"),
        rest("encoded dot-dot as the id", "DELETE", "/items/%2e%2e", 400, "InvalidPath"),
        rest(
            "encoded slash in the id",
            "DELETE",
            "/items/hostile-1%2F..",
            400,
            "InvalidPath",
        ),
        rest(
            "encoded traversal",
            "GET",
            "/items/..%2F..%2Fetc%2Fpasswd",
            400,
            "InvalidPath",
        ),
        rest("unknown route", "GET", "/admin", 404, "RouteNotFound"),
        rest("a member's child", "GET", "/items/hostile-1/secret", 404, "RouteNotFound"),
        rest("OPTIONS on an unknown path", "OPTIONS", "/nowhere", 404, "RouteNotFound"),
        # --- List parameters and cursors.
        *[
            rest(f"limit={value}", "GET", "/items", 400, "InvalidLimit", query=f"limit={value}")
            for value in ("0", "-1", str(10**9), "abc", "1.5", "", "%C2%B2", "%D9%A1", "1" * 5000, "0x10")
        ],
        *[
            rest(f"{name} cursor", "GET", "/items", 400, "InvalidCursor", query=f"cursor={value}")
            for name, value in cursors(table_name).items()
        ],
        # --- Header injection in values that are echoed back.
        rest(
            "CR/LF in X-Correlation-Id",
            "GET",
            "/items/hostile-missing",
            404,
            "NotFound",
            headers=(("X-Correlation-Id", "abc\r\nSet-Cookie: injected=1"),),
            transports=(V1, V2),
        ),
        rest(
            "encoded CR/LF in X-Correlation-Id",
            "GET",
            "/items/hostile-missing",
            404,
            "NotFound",
            headers=(("X-Correlation-Id", "abc%0d%0aSet-Cookie:%20injected=1"),),
        ),
        rest(
            "CR/LF in Origin",
            "DELETE",
            "/items/hostile-1",
            412,
            "PreconditionFailed",
            headers=(("Origin", "https://evil.example\r\nSet-Cookie: injected=1"), ("If-Match", '"999"')),
            transports=(V1, V2),
        ),
        rest(
            "CR/LF in the id of a refused PUT",
            "PUT",
            "/items/hostile%0D%0ASet-Cookie:%20injected=1",
            412,
            "PreconditionFailed",
            body=raw("{}"),
            headers=(*JSON_TYPE, ("If-Match", '"1"')),
        ),
        rpc("unknown format", rpc_body("read", {"Key": {"id": "hostile-1"}}, format="xml"), 400, "ValidationError"),
        rpc(
            "typed key of the wrong type",
            rpc_body("read", {"Key": {"id": {"N": "1"}}}, format="dynamodb"),
            400,
            "InvalidKey",
        ),
        rpc(
            "typed item with an empty set",
            rpc_body("create", {"Item": {"id": {"S": "hostile-new"}, "s": {"SS": []}}}, format="dynamodb"),
            400,
            "ValidationError",
        ),
        rpc(
            "typed ADD of a duplicate set",
            rpc_body(
                "update",
                {
                    "Key": {"id": {"S": "hostile-1"}},
                    "UpdateExpression": "ADD s :s",
                    "ExpressionAttributeValues": {":s": {"NS": ["1", "1.0"]}},
                },
                format="dynamodb",
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "FilterExpression of 220 KB",
            rpc_body("list", {"FilterExpression": " OR ".join(["attribute_exists(a)"] * 10_000)}),
            400,
            "ValidationError",
        ),
        rpc(
            "IN with 101 operands",
            rpc_body(
                "list",
                {
                    "FilterExpression": "a IN (" + ", ".join([":v"] * 101) + ")",
                    "ExpressionAttributeValues": {":v": 1},
                },
            ),
            400,
            "ValidationError",
        ),
        rpc(
            "typed key whose S is an object",
            rpc_body("delete", {"Key": {"id": {"S": {"a": 1}}}}, format="dynamodb"),
            400,
            "ValidationError",
        ),
        rpc(
            "exponent past any decimal",
            b'{"operation": "create", "payload": {"Item": {"id": "e", "n": 1e9999999999999999999}}}',
            400,
            "ValidationError",
        ),
        rest("delete in an unknown format", "DELETE", "/items/hostile-1", 400, "ValidationError", query="format=xml"),
        rest("list in an unknown format", "GET", "/items", 400, "ValidationError", query="format=xml"),
        rest(
            "typed PUT with invalid base64",
            "PUT",
            "/items/hostile-1",
            400,
            "ValidationError",
            query="format=dynamodb",
            body=raw('{"b": {"B": "not base64"}}'),
            headers=JSON_TYPE,
        ),
        rest(
            "typed PATCH with an unknown type",
            "PATCH",
            "/items/hostile-1",
            400,
            "ValidationError",
            query="format=dynamodb",
            body=raw('{"name": {"STRING": "x"}}'),
            headers=JSON_TYPE,
        ),
        rest(
            "plain body on a typed PUT",
            "PUT",
            "/items/hostile-1",
            400,
            "ValidationError",
            query="format=dynamodb",
            body=raw('{"name": "lamp"}'),
            headers=JSON_TYPE,
        ),
    ]
