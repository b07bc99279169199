"""Contract 1 over real HTTP: the classic RPC endpoint on the local stack, payload files exactly as shipped."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, RunningStack
from tests.httpclient import Reply, call
from tests.integration import backends

pytestmark = pytest.mark.integration
#: Every test of this module runs on both local DynamoDB backends and both clients of the function.
backend, stack = backends.BACKEND, backends.STACK
PAYLOADS = ROOT / "payloads"


def rpc(stack: RunningStack, operation: str, payload: dict[str, Any]) -> Reply:
    """POST one operation to /dynamodbmanager."""
    return call("POST", f"{stack.url}/dynamodbmanager", {"operation": operation, "payload": payload})


def curl_payload(stack: RunningStack, name: str) -> dict[str, Any]:
    """``curl -X POST --data @payloads/NAME.json URL/dynamodbmanager``, exactly as the README prints it."""
    output = subprocess.run(
        ["curl", "-s", "-X", "POST", "--data", f"@payloads/{name}.json", f"{stack.url}/dynamodbmanager"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    answer: dict[str, Any] = json.loads(output)
    return answer


def test_the_five_payload_files_work_as_printed(stack: RunningStack) -> None:
    created = json.loads((PAYLOADS / "create.json").read_text())["payload"]["Item"]
    assert curl_payload(stack, "create") == {}
    assert curl_payload(stack, "read") == {"Item": {**created, "_version": 1}}
    updated = curl_payload(stack, "update")
    assert updated["Attributes"]["organization"] == "Impacta Up"
    assert updated["Attributes"]["_version"] == 2
    listed = curl_payload(stack, "list")
    assert {"Items", "Count", "ScannedCount"} <= set(listed)
    assert any(item["id"] == "1" for item in listed["Items"])
    assert curl_payload(stack, "delete") == {}
    assert curl_payload(stack, "read") == {}


def test_every_payload_file_is_a_valid_request_for_its_operation() -> None:
    for path in sorted(PAYLOADS.glob("*.json")):
        body = json.loads(path.read_text())
        assert body["operation"] == path.stem
        assert isinstance(body["payload"], dict)


def test_update_with_an_expression_and_a_condition(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    assert rpc(stack, "create", {"Item": {"id": item_id, "stock": 5}}).status == 200
    reply = rpc(
        stack,
        "update",
        {
            "Key": {"id": item_id},
            "UpdateExpression": "SET stock = stock - :n",
            "ConditionExpression": "stock >= :n",
            "ExpressionAttributeValues": {":n": 3},
            "ReturnValues": "ALL_NEW",
        },
    )
    assert reply.status == 200
    assert reply.json()["Attributes"] == {"id": item_id, "stock": 2, "_version": 2}
    refused = rpc(
        stack,
        "update",
        {
            "Key": {"id": item_id},
            "UpdateExpression": "SET stock = stock - :n",
            "ConditionExpression": "stock >= :n",
            "ExpressionAttributeValues": {":n": 3},
        },
    )
    assert refused.status == 409
    assert refused.json()["error"]["code"] == "ConditionalCheckFailed"
    assert rpc(stack, "read", {"Key": {"id": item_id}}).json()["Item"]["stock"] == 2


def test_placeholders_named_like_clause_keywords_are_only_placeholders(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    rpc(stack, "create", {"Item": {"id": item_id, "set": 1, "kept": 2}})
    payload = {"Key": {"id": item_id}, "UpdateExpression": "REMOVE #set", "ExpressionAttributeNames": {"#set": "set"}}
    assert rpc(stack, "update", payload).status == 200
    assert rpc(stack, "read", {"Key": {"id": item_id}}).json()["Item"] == {"id": item_id, "kept": 2, "_version": 2}


def test_legacy_attribute_updates_put_add_and_delete_and_bump_the_version(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    first = {
        "Key": {"id": item_id},
        "AttributeUpdates": {"count": {"Action": "ADD", "Value": 2}, "note": {"Value": {"nested": [1, None, True]}}},
        "ReturnValues": "ALL_NEW",
    }
    # On an absent item ADD and PUT create it, at version 1, as DynamoDB does.
    created = rpc(stack, "update", first).json()["Attributes"]
    assert created == {"id": item_id, "count": 2, "note": {"nested": [1, None, True]}, "_version": 1}
    second = {
        "Key": {"id": item_id},
        "AttributeUpdates": {"count": {"Action": "ADD", "Value": -5}, "note": {"Action": "DELETE"}},
        "ReturnValues": "UPDATED_NEW",
    }
    assert rpc(stack, "update", second).json()["Attributes"] == {"count": -3, "_version": 2}
    assert rpc(stack, "read", {"Key": {"id": item_id}}).json()["Item"] == {"id": item_id, "count": -3, "_version": 2}


def test_an_update_that_creates_the_item_starts_it_at_version_1(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    payload = {
        "Key": {"id": item_id},
        "UpdateExpression": "SET a = :a REMOVE b",
        "ExpressionAttributeValues": {":a": 1},
    }
    assert rpc(stack, "update", {**payload, "ReturnValues": "ALL_NEW"}).json()["Attributes"] == {
        "id": item_id,
        "a": 1,
        "_version": 1,
    }
    again = {**payload, "ExpressionAttributeValues": {":a": 2}, "ReturnValues": "UPDATED_NEW"}
    assert rpc(stack, "update", again).json()["Attributes"] == {"a": 2, "_version": 2}


def test_legacy_add_to_an_attribute_of_another_type_is_a_400_that_changes_nothing(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    rpc(stack, "create", {"Item": {"id": item_id, "a": "text"}})
    reply = rpc(stack, "update", {"Key": {"id": item_id}, "AttributeUpdates": {"a": {"Action": "ADD", "Value": 1}}})
    assert reply.status == 400, reply.json()
    assert rpc(stack, "read", {"Key": {"id": item_id}}).json()["Item"] == {"id": item_id, "a": "text", "_version": 1}


def test_optimistic_update_on_the_version(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    rpc(stack, "create", {"Item": {"id": item_id, "n": 1}})
    payload = {
        "Key": {"id": item_id},
        "UpdateExpression": "SET n = :n",
        "ConditionExpression": "#v = :seen",
        "ExpressionAttributeNames": {"#v": "_version"},
        "ExpressionAttributeValues": {":n": 2, ":seen": 1},
    }
    assert rpc(stack, "update", payload).status == 200
    assert rpc(stack, "update", payload).status == 409


def test_create_over_an_existing_item_bumps_its_version(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    rpc(stack, "create", {"Item": {"id": item_id, "a": 1}})
    reply = rpc(stack, "create", {"Item": {"id": item_id, "b": 2, "_version": 99}, "ReturnValues": "ALL_OLD"})
    assert reply.json() == {"Attributes": {"id": item_id, "a": 1, "_version": 1}}
    assert rpc(stack, "read", {"Key": {"id": item_id}}).json()["Item"] == {"id": item_id, "b": 2, "_version": 2}
    # The REST contract sees the same version.
    assert call("GET", f"{stack.url}/items/{item_id}").header("ETag") == '"2"'


def test_create_with_a_condition_that_fails_is_409(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    rpc(stack, "create", {"Item": {"id": item_id}})
    reply = rpc(stack, "create", {"Item": {"id": item_id}, "ConditionExpression": "attribute_not_exists(id)"})
    assert reply.status == 409


def test_list_pages_with_exclusive_start_key(stack: RunningStack) -> None:
    prefix = str(uuid.uuid4())
    for index in range(5):
        rpc(stack, "create", {"Item": {"id": f"{prefix}-{index}", "group": prefix}})
    seen: list[str] = []
    payload: dict[str, Any] = {
        "Limit": 2,
        "FilterExpression": "#g = :g",
        "ExpressionAttributeNames": {"#g": "group"},
        "ExpressionAttributeValues": {":g": prefix},
    }
    for _ in range(1000):
        page = rpc(stack, "list", payload).json()
        seen += [item["id"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        payload["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(seen) == [f"{prefix}-{index}" for index in range(5)]


def test_numbers_survive_exactly(stack: RunningStack) -> None:
    item_id = str(uuid.uuid4())
    body = (
        '{"operation":"create","payload":{"Item":{"id":"ITEM","big":12345678901234567890123456789012345678,'
        '"price":0.1,"tiny":1E-100,"flag":false,"nested":{"list":[1,2.5,{"x":null}]}}}}'
    ).replace("ITEM", item_id)
    assert call("POST", f"{stack.url}/dynamodbmanager", body).status == 200
    text = rpc(stack, "read", {"Key": {"id": item_id}}).body.decode()
    assert '"big":12345678901234567890123456789012345678' in text
    assert '"price":0.1' in text
    assert '"flag":false' in text
    assert '"nested":{"list":[1,2.5,{"x":null}]}' in text


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"operation": "read", "payload": {"Key": {"id": "1"}, "TableName": "other"}}, 400, "UnknownParameter"),
        ({"operation": "create", "payload": {"Item": {"id": "1"}, "Segment": 1}}, 400, "UnknownParameter"),
        ({"operation": "drop", "payload": {}}, 400, "UnknownOperation"),
        ({"operation": 1, "payload": {}}, 400, "UnknownOperation"),
        ({"operation": "read", "payload": []}, 400, "ValidationError"),
        ({"operation": "read", "payload": {}}, 400, "MissingParameter"),
        ({"operation": "read", "payload": {"Key": {"id": ""}}}, 400, "InvalidKey"),
        ({"operation": "read", "payload": {"Key": {"id": "1", "x": 2}}}, 400, "InvalidKey"),
        ({"operation": "create", "payload": {"Item": {"organization": "no id"}}}, 400, "InvalidKey"),
        ({"operation": "create", "payload": {"Item": {"id": "1", "blob": "x" * 410_000}}}, 413, "ItemTooLarge"),
        ({"operation": "update", "payload": {"Key": {"id": "1"}}}, 400, "ValidationError"),
        (
            {"operation": "update", "payload": {"Key": {"id": "1"}, "UpdateExpression": "SET a = :undefined"}},
            400,
            "ValidationError",
        ),
        ({"operation": "list", "payload": {"Limit": 0}}, 400, "ValidationError"),
        ({"operation": "read", "payload": {"Key": {"id": "1"}}, "extra": 1}, 400, "ValidationError"),
    ],
)
def test_refused_requests_name_the_problem_and_write_nothing(
    stack: RunningStack, body: dict[str, Any], status: int, code: str
) -> None:
    before = stack.scan_all()
    reply = call("POST", f"{stack.url}/dynamodbmanager", body, {"Origin": stack.url})
    assert (reply.status, reply.json()["error"]["code"]) == (status, code)
    assert reply.header("Access-Control-Allow-Origin") == stack.url
    assert stack.scan_all() == before


def test_table_name_is_named_in_the_error(stack: RunningStack) -> None:
    reply = rpc(stack, "read", {"Key": {"id": "1"}, "TableName": "other"})
    assert "'TableName'" in reply.json()["error"]["message"]


def test_malformed_json_and_wrong_media_type(stack: RunningStack) -> None:
    assert call("POST", f"{stack.url}/dynamodbmanager", "{not json").json()["error"]["code"] == "InvalidJson"
    reply = call("POST", f"{stack.url}/dynamodbmanager", "<xml/>", {"Content-Type": "application/xml"})
    assert reply.status == 415


def test_wrong_method_is_405_with_allow(stack: RunningStack) -> None:
    reply = call("GET", f"{stack.url}/dynamodbmanager")
    assert reply.status == 405
    assert reply.header("Allow") == "OPTIONS, POST"


def test_payload_files_are_the_readme_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("create", "read", "update", "delete", "list"):
        assert f"--data @payloads/{name}.json" in readme
    assert Path(PAYLOADS / "create.json").is_file()
