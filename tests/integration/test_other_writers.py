"""Items the service did not write: all ten DynamoDB types, numbers as DynamoDB hands them out, foreign versions.

Each item is written straight into the emulator with boto3's low-level client, as another function, the AWS
console or the AWS CLI would write it; each test then uses the service and reads the stored result back with
the low-level client, attribute by attribute and type by type, never through the service.
"""

from __future__ import annotations

import base64
import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from dynamodbmanager.store import cursor
from tests.httpclient import Reply, call
from tests.integration import backends

if TYPE_CHECKING:
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
backend, stack = backends.BACKEND, backends.STACK
TYPED = "?format=dynamodb"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
#: 10^40 as DynamoDB hands it out: 41 plain digits, one of them significant.
BIG = "1" + "0" * 40

#: Every DynamoDB type, at the top level and nested in a map and a list (binary as the client sends it).
FOREIGN: dict[str, Any] = {
    "s": {"S": "text é"},
    "empty": {"S": ""},
    "n": {"N": "-12.5"},
    "big": {"N": BIG},
    "b": {"B": b"\x00\x01\xff"},
    "yes": {"BOOL": True},
    "nothing": {"NULL": True},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5", BIG]},
    "bs": {"BS": [b"\x00", b"\x01"]},
    "m": {"M": {"ss": {"SS": ["x"]}, "b": {"B": b"\x02"}, "l": {"L": [{"NS": ["7"]}, {"BS": [b"\x03"]}]}}},
    "l": {"L": [{"S": "one"}, {"B": b"\x04"}, {"M": {"ns": {"NS": ["3"]}}}, {"NULL": True}]},
}


def _wire(value: Any) -> Any:
    """A typed value as DynamoDB JSON on the wire (binary as base64)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _bytes(value: Any) -> bytes:
    """Binary from the low-level client (bytes) or from the service (base64 text)."""
    return base64.b64decode(value, validate=True) if isinstance(value, str) else bytes(value)


def canonical(typed: Any) -> Any:
    """A typed value comparable across emulators: numbers by value, set members in order, binary as bytes."""
    if isinstance(typed, dict) and len(typed) == 1:
        ((kind, value),) = typed.items()
        if kind == "N":
            return ("N", Decimal(value))
        if kind == "NS":
            return ("NS", sorted(Decimal(v) for v in value))
        if kind in ("SS", "BS"):
            return (kind, sorted(_bytes(v) if kind == "BS" else v for v in value))
        if kind == "B":
            return ("B", _bytes(value))
        if kind == "M":
            return ("M", {k: canonical(v) for k, v in value.items()})
        if kind == "L":
            return ("L", [canonical(v) for v in value])
        return (kind, value)
    raise AssertionError(f"not a typed value: {typed!r}")


def stored(stack: RunningStack, item_id: str) -> dict[str, Any] | None:
    """The item as DynamoDB holds it, read with the low-level client, made comparable."""
    client = stack.emulator.client("dynamodb")
    item = client.get_item(TableName=stack.table_name, Key={"id": {"S": item_id}}, ConsistentRead=True).get("Item")
    return None if item is None else {name: canonical(value) for name, value in item.items()}


def expected(item: dict[str, Any]) -> dict[str, Any]:
    return {name: canonical(value) for name, value in item.items()}


def put_foreign(stack: RunningStack, extra: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Write an item holding every type, without the service's version, as another writer would."""
    item_id = f"foreign-{uuid.uuid4()}"
    item = {"id": {"S": item_id}, **FOREIGN, **(extra or {})}
    stack.emulator.client("dynamodb").put_item(TableName=stack.table_name, Item=item)
    return item_id, item


def url(stack: RunningStack, item_id: str, query: str = "") -> str:
    return f"{stack.url}/items/{quote(item_id, safe='')}{query}"


def without_version(item: dict[str, Any] | None) -> dict[str, Any]:
    return {name: value for name, value in (item or {}).items() if name != "_version"}


def ok(reply: Reply, status: int = 200) -> Reply:
    assert reply.status == status, reply.body
    return reply


def test_typed_get_shows_every_type_exactly_and_put_back_stores_it_unchanged(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack)
    got = ok(call("GET", url(stack, item_id, TYPED)))
    assert got.header("ETag") == '"0"'
    assert expected(got.json()) == expected(item)

    ok(call("PUT", url(stack, item_id, TYPED), got.body, {"If-Match": '"0"', "Content-Type": "application/json"}))
    assert without_version(stored(stack, item_id)) == expected(item)
    assert stored(stack, item_id)["_version"] == ("N", 1)  # type: ignore[index]


def test_plain_patch_without_if_match_changes_only_what_it_names(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack)
    patched = ok(call("PATCH", url(stack, item_id), {"x": 1, "s": None}, MERGE_PATCH))
    assert patched.header("ETag") == '"1"'
    after = stored(stack, item_id)
    want = {name: value for name, value in expected(item).items() if name != "s"}
    assert after == {**want, "x": ("N", 1), "_version": ("N", 1)}


def test_plain_patch_into_a_nested_map_keeps_its_sets_and_binary(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack)
    ok(call("PATCH", url(stack, item_id), {"m": {"added": "v"}}, {**MERGE_PATCH, "If-Match": '"0"'}))
    after = stored(stack, item_id)
    assert after is not None
    assert after["m"] == ("M", {**expected(item)["m"][1], "added": ("S", "v")})
    assert without_version(after) == {**expected(item), "m": after["m"]}


def test_typed_patch_sets_and_removes_attributes(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack)
    patch = {"ss": {"SS": ["z"]}, "b": None, "new": {"BS": ["AAE="]}}
    ok(call("PATCH", url(stack, item_id, TYPED), patch, MERGE_PATCH))
    want = {**expected(item), "ss": ("SS", ["z"]), "new": ("BS", [b"\x00\x01"])}
    del want["b"]
    assert without_version(stored(stack, item_id)) == want


def test_a_big_number_as_dynamodb_hands_it_out_is_written_back_in_plain_json(stack: RunningStack) -> None:
    item_id, _ = put_foreign(stack)
    plain = ok(call("GET", url(stack, item_id))).json()
    assert str(plain["big"]).replace(".", "").rstrip("0") in ("1", "1E+40")
    body = {"id": item_id, "big": json.loads(BIG), "n": plain["n"]}
    ok(call("PUT", url(stack, item_id), json.dumps(body), {"Content-Type": "application/json"}))
    after = stored(stack, item_id)
    assert after is not None
    assert after["big"] == ("N", Decimal(BIG))


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("POST", "/items", {}, 409),
        ("PUT", "/items/{id}", {"If-None-Match": "*"}, 412),
    ],
    ids=["post", "put-if-none-match"],
)
def test_create_only_never_replaces_an_item_another_writer_made(
    stack: RunningStack, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    item_id, item = put_foreign(stack)
    reply = call(method, f"{stack.url}{path.format(id=quote(item_id))}", {"id": item_id, "x": 1}, headers)
    assert reply.status == status, reply.body
    assert stored(stack, item_id) == expected(item)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_the_etag_of_an_unversioned_item_is_honoured(stack: RunningStack, method: str) -> None:
    item_id, _ = put_foreign(stack)
    etag = ok(call("GET", url(stack, item_id))).header("ETag")
    assert etag == '"0"'
    body = None if method == "DELETE" else {"x": 2}
    headers = {"If-Match": etag, **(MERGE_PATCH if method == "PATCH" else {})}
    reply = call(method, url(stack, item_id), body, headers)
    assert reply.status == (204 if method == "DELETE" else 200), reply.body
    after = stored(stack, item_id)
    if method == "DELETE":
        assert after is None
    else:
        assert after is not None
        assert (after["x"], after["_version"]) == (("N", 2), ("N", 1))


def test_an_item_whose_version_is_not_a_number_is_served_replaced_updated_and_deleted(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack, {"_version": {"S": "abc"}})
    got = ok(call("GET", url(stack, item_id, TYPED)))
    assert (got.header("ETag"), got.json()["_version"]) == ('"0"', {"S": "abc"})

    update = {"Key": {"id": item_id}, "UpdateExpression": "SET y = :y", "ExpressionAttributeValues": {":y": 5}}
    rpc = {"operation": "update", "payload": update}
    ok(call("POST", f"{stack.url}/dynamodbmanager", rpc))
    after = stored(stack, item_id)
    assert after is not None
    assert (after["_version"], after["y"], after["ss"]) == (("N", 1), ("N", 5), expected(item)["ss"])

    stack.emulator.client("dynamodb").put_item(TableName=stack.table_name, Item=item)
    ok(call("PUT", url(stack, item_id), {"z": True}, {"If-Match": '"0"'}))
    assert stored(stack, item_id) == {"id": ("S", item_id), "z": ("BOOL", True), "_version": ("N", 1)}

    stack.emulator.client("dynamodb").put_item(TableName=stack.table_name, Item=item)
    ok(call("DELETE", url(stack, item_id), headers={"If-Match": '"0"'}), 204)
    assert stored(stack, item_id) is None


def test_rpc_in_dynamodb_json_reads_and_writes_sets_and_binary(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack)
    rpc = f"{stack.url}/dynamodbmanager"
    key = {"id": {"S": item_id}}
    read = ok(call("POST", rpc, {"operation": "read", "format": "dynamodb", "payload": {"Key": key}})).json()
    assert expected(read["Item"]) == expected(item)

    update: dict[str, Any] = {
        "Key": key,
        "UpdateExpression": "ADD ss :more DELETE bs :gone",
        "ConditionExpression": "b = :b",
        "ExpressionAttributeValues": {":more": {"SS": ["c"]}, ":gone": {"BS": ["AA=="]}, ":b": {"B": "AAH/"}},
        "ReturnValues": "ALL_NEW",
    }
    answer = ok(call("POST", rpc, {"operation": "update", "format": "dynamodb", "payload": update})).json()
    assert sorted(answer["Attributes"]["ss"]["SS"]) == ["a", "b", "c"]
    after = stored(stack, item_id)
    assert after is not None
    assert (after["ss"], after["bs"], after["_version"]) == (("SS", ["a", "b", "c"]), ("BS", [b"\x01"]), ("N", 1))
    assert {k: v for k, v in after.items() if k not in ("ss", "bs", "_version")} == {
        k: v for k, v in expected(item).items() if k not in ("ss", "bs")
    }

    refused = {**update, "ExpressionAttributeValues": {**update["ExpressionAttributeValues"], ":b": {"B": "AAI="}}}
    reply = call("POST", rpc, {"operation": "update", "format": "dynamodb", "payload": refused})
    assert reply.status == 409
    assert stored(stack, item_id) == after


def test_rpc_create_in_dynamodb_json_stores_every_type(stack: RunningStack) -> None:
    item_id = f"typed-{uuid.uuid4()}"
    item = {"id": {"S": item_id}, **FOREIGN}
    payload = {"Item": _wire(item)}
    ok(call("POST", f"{stack.url}/dynamodbmanager", {"operation": "create", "format": "dynamodb", "payload": payload}))
    assert without_version(stored(stack, item_id)) == expected(item)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"SS": []}, "non-empty"),
        ({"SS": ["a", "a"]}, "repeats"),
        ({"NS": ["1", "1.0"]}, "repeats"),
        ({"B": "not base64!"}, "base64"),
        ({"N": "12abc"}, "number"),
        ({"N": "1" * 39}, "38 significant digits"),
        ({"X": "1"}, "type"),
    ],
)
def test_typed_values_dynamodb_refuses_are_400s_naming_the_attribute(
    stack: RunningStack, value: dict[str, Any], message: str
) -> None:
    item_id = f"bad-{uuid.uuid4()}"
    reply = call("PUT", url(stack, item_id, TYPED), {"id": {"S": item_id}, "attr": value})
    assert reply.status == 400, reply.body
    assert "attr" in reply.json()["error"]["message"]
    assert message in reply.json()["error"]["message"]
    assert stored(stack, item_id) is None


def test_a_cursor_ending_on_a_long_non_ascii_key_round_trips(stack: RunningStack) -> None:
    stack.clear()
    client = stack.emulator.client("dynamodb")
    ids = ["中" * 682 + str(n) for n in range(3)]  # 2,047 bytes of UTF-8 each: near DynamoDB's largest key
    for item_id in ids:
        client.put_item(TableName=stack.table_name, Item={"id": {"S": item_id}})
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        page = ok(call("GET", f"{stack.url}/items?limit=1{cursor}")).json()
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        assert len(page["next_cursor"]) < 4096
        cursor = f"&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(ids)


def test_conditional_requests_follow_rfc_9110(stack: RunningStack) -> None:
    item_id = f"rfc-{uuid.uuid4()}"
    ok(call("PUT", url(stack, item_id), {"v": 1}), 201)
    assert call("GET", url(stack, item_id), headers={"If-Match": 'W/"1"'}).status == 412
    assert ok(call("GET", url(stack, item_id), headers={"If-Match": '"7", "1"'})).json()["v"] == 1
    assert call("GET", url(stack, item_id), headers={"If-None-Match": 'W/"1"'}).status == 304
    assert call("PUT", url(stack, item_id), {"v": 2}, {"If-Match": 'W/"1"'}).status == 412
    assert call("PUT", url(stack, item_id), {"v": 2}, {"If-None-Match": '"1"'}).status == 412
    assert call("PATCH", url(stack, item_id), {"v": 2}, {**MERGE_PATCH, "If-None-Match": "*"}).status == 412
    assert call("DELETE", url(stack, item_id), headers={"If-None-Match": '"1"'}).status == 412
    assert stored(stack, item_id) == {"id": ("S", item_id), "v": ("N", 1), "_version": ("N", 1)}
    ok(call("PUT", url(stack, item_id), {"v": 2}, {"If-None-Match": '"5"', "If-Match": '"3", "1"'}))
    ok(call("DELETE", url(stack, item_id), headers={"If-Match": '"9", "2"'}), 204)
    assert stored(stack, item_id) is None


def test_an_item_over_400_kb_with_its_version_is_a_413_that_writes_nothing(stack: RunningStack) -> None:
    item_id = "big-item"
    # The name "id" (2) + the id (8) + "blob" (4) + the blob: exactly 400 KB before the service's version.
    blob = "x" * (400 * 1024 - 14)
    reply = call("PUT", url(stack, item_id), {"id": item_id, "blob": blob})
    assert (reply.status, reply.json()["error"]["code"]) == (413, "ItemTooLarge")
    assert stored(stack, item_id) is None


def test_a_plain_set_operation_on_a_set_says_how_to_send_it_typed(stack: RunningStack) -> None:
    item_id, item = put_foreign(stack)
    update = {
        "Key": {"id": item_id},
        "UpdateExpression": "ADD ss :t",
        "ExpressionAttributeValues": {":t": ["c"]},
    }
    reply = call("POST", f"{stack.url}/dynamodbmanager", {"operation": "update", "payload": update})
    assert reply.status == 400, reply.body
    assert '"format": "dynamodb"' in reply.json()["error"]["message"]
    assert stored(stack, item_id) == expected(item)


def test_a_cursor_signed_with_the_table_name_health_discloses_is_refused(stack: RunningStack) -> None:
    table = ok(call("GET", f"{stack.url}/health")).json()["table"]
    forged = cursor.encode({"id": {"S": "anything"}}, table.encode())
    reply = call("GET", f"{stack.url}/items?cursor={forged}")
    assert (reply.status, reply.json()["error"]["code"]) == (400, "InvalidCursor")


@pytest.mark.parametrize("form", [None, "dynamodb"])
def test_rpc_list_and_delete_in_both_formats_on_an_item_another_writer_made(
    stack: RunningStack, form: str | None
) -> None:
    item_id, item = put_foreign(stack)
    rpc = f"{stack.url}/dynamodbmanager"
    envelope: dict[str, Any] = {"format": form} if form else {}
    key: dict[str, Any] = {"id": {"S": item_id}} if form else {"id": item_id}
    listed = {
        "operation": "list",
        "payload": {"FilterExpression": "id = :i", "ExpressionAttributeValues": {":i": key["id"]}},
    }
    items = ok(call("POST", rpc, {**listed, **envelope})).json()["Items"]
    if form:
        assert [expected(found) for found in items] == [expected(item)]
    else:
        assert [found["id"] for found in items] == [item_id]
        assert sorted(items[0]["ss"]) == ["a", "b"]
    assert stored(stack, item_id) == expected(item)  # reading changed nothing
    deleted = {"operation": "delete", "payload": {"Key": key, "ReturnValues": "ALL_OLD"}, **envelope}
    old = ok(call("POST", rpc, deleted)).json()["Attributes"]
    assert old["id"] == key["id"]
    assert stored(stack, item_id) is None
