"""The lean DynamoDB client answers as botocore's does: the same calls, through both, against moto_server.

One sequence of calls (every operation the function uses, items of all ten types nested, failed conditions
with the old item, a cancelled transaction, pages) runs through botocore's low-level client and then through
the lean client on the same table; each answer, or error, must be the same once ``ResponseMetadata`` is set aside.
The sequence leaves the table empty, so both runs start from the same state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator
from dynamodbmanager.store.failures import DynamoDBError
from dynamodbmanager.store.lean import LeanDynamoDB
from dynamodbmanager.store.sigv4 import Credentials

pytestmark = pytest.mark.integration

Outcome = tuple[str, dict[str, Any]]
Caller = Callable[[str, dict[str, Any]], Outcome]
Run = list[tuple[str, Outcome]]

#: Every DynamoDB type, at the top level and nested, with attribute names that look like type tags.
FULL: dict[str, Any] = {
    "pk": {"S": "p1"},
    "sk": {"B": b"\x00"},
    "g": {"N": "1"},
    "s": {"S": "text é"},
    "n": {"N": "-12.50"},
    "b": {"B": b"\x00\x01\xff"},
    "yes": {"BOOL": True},
    "nothing": {"NULL": True},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5", "1" + "0" * 30]},
    "bs": {"BS": [b"\x00", b"\x01"]},
    "m": {"M": {"ss": {"SS": ["x"]}, "b": {"B": b"\x02"}, "l": {"L": [{"NS": ["7"]}, {"BS": [b"\x03"]}]}}},
    "l": {"L": [{"S": "one"}, {"B": b"\x04"}, {"M": {"ns": {"NS": ["3"]}}}, {"NULL": True}, {"BOOL": False}]},
    "B": {"M": {"B": {"S": "AAE="}, "BS": {"BS": [b"\x05"]}, "S": {"B": b"\x06"}}},
    "BS": {"L": [{"B": b"\x07"}]},
    "S": {"N": "0"},
}


def key(pk: str, sk: bytes) -> dict[str, Any]:
    """The key of an item."""
    return {"pk": {"S": pk}, "sk": {"B": sk}}


def small(pk: str, sk: bytes, g: str = "2") -> dict[str, Any]:
    """A small item, to have pages to turn."""
    return {**key(pk, sk), "g": {"N": g}, "tag": {"BS": [sk + b"!"]}}


def scenario(call: Caller, table: str) -> Run:
    """Every operation of the function, successes and failures, leaving ``table`` as empty as it found it."""
    run: Run = []

    def step(label: str, operation: str, **params: Any) -> dict[str, Any]:
        outcome = call(operation, params)
        run.append((label, outcome))
        return outcome[1]

    first = key("p1", b"\x00")
    step("describe", "describe_table", TableName=table)
    step("put everything", "put_item", TableName=table, Item=FULL, ReturnConsumedCapacity="TOTAL")
    for n in range(1, 6):
        step(f"put small {n}", "put_item", TableName=table, Item=small("p1", bytes([n])))
    step("put p2", "put_item", TableName=table, Item=small("p2", b"\x00", g="1"))
    step(
        "put over an item, old values back",
        "put_item",
        TableName=table,
        Item=small("p1", b"\x05"),
        ReturnValues="ALL_OLD",
        ReturnConsumedCapacity="INDEXES",
    )
    step(
        "put on a taken key",
        "put_item",
        TableName=table,
        Item=small("p1", b"\x00"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    step("get", "get_item", TableName=table, Key=first, ConsistentRead=True)
    step("get missing", "get_item", TableName=table, Key=key("nobody", b"\x00"))
    step(
        "get projected",
        "get_item",
        TableName=table,
        Key=first,
        ProjectionExpression="#b, l, m.b",
        ExpressionAttributeNames={"#b": "B"},
    )
    step(
        "update",
        "update_item",
        TableName=table,
        Key=first,
        UpdateExpression="SET n = n + :one, bs2 = :bs ADD ss :ss",
        ExpressionAttributeValues={":one": {"N": "1"}, ":bs": {"BS": [b"\x08", b"\x09"]}, ":ss": {"SS": ["c"]}},
        ReturnValues="ALL_NEW",
    )
    step(
        "update on a condition that fails",
        "update_item",
        TableName=table,
        Key=first,
        UpdateExpression="SET s = :s",
        ConditionExpression="s = :other",
        ExpressionAttributeValues={":s": {"S": "new"}, ":other": {"S": "not it"}},
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    _pages(step, "query page", TableName=table, KeyConditionExpression="pk = :p", Limit=2, **_values(":p", "p1"))
    step(
        "query index",
        "query",
        TableName=table,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"N": "1"}},
    )
    _pages(step, "scan page", TableName=table, Limit=3)
    step(
        "batch get",
        "batch_get_item",
        RequestItems={table: {"Keys": [first, key("p2", b"\x00"), key("nobody", b"\x00")], "ConsistentRead": True}},
    )
    step(
        "transact get",
        "transact_get_items",
        TransactItems=[
            {"Get": {"TableName": table, "Key": first}},
            {"Get": {"TableName": table, "Key": key("nobody", b"\x00")}},
        ],
    )
    step(
        "transact write",
        "transact_write_items",
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": key("p2", b"\x00"),
                    "UpdateExpression": "SET tag = :t",
                    "ExpressionAttributeValues": {":t": {"BS": [b"\x0a"]}},
                }
            },
            {"ConditionCheck": {"TableName": table, "Key": first, "ConditionExpression": "attribute_exists(pk)"}},
        ],
    )
    step(
        "transact write cancelled",
        "transact_write_items",
        TransactItems=[
            {"Put": {"TableName": table, "Item": small("p3", b"\x00")}},
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": first,
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ],
    )
    step(
        "batch write",
        "batch_write_item",
        RequestItems={
            table: [
                {"PutRequest": {"Item": small("p3", b"\x01")}},
                {"DeleteRequest": {"Key": key("p1", b"\x01")}},
            ]
        },
    )
    step("delete, old values back", "delete_item", TableName=table, Key=first, ReturnValues="ALL_OLD")
    step(
        "delete on a condition that fails",
        "delete_item",
        TableName=table,
        Key=key("p2", b"\x00"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    step("invalid expression", "update_item", TableName=table, Key=first, UpdateExpression="SET = oops")
    step("missing table", "get_item", TableName=f"{table}_missing", Key=first)
    leftovers = step("scan what is left", "scan", TableName=table, ConsistentRead=True)
    for item in leftovers.get("Items", []):
        step("clean up", "delete_item", TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    return run


def _values(name: str, text: str) -> dict[str, Any]:
    """``ExpressionAttributeValues`` with one string."""
    return {"ExpressionAttributeValues": {name: {"S": text}}}


def _pages(step: Callable[..., dict[str, Any]], label: str, **params: Any) -> None:
    """Every page of a query or scan, each asked with the last one's ``LastEvaluatedKey``."""
    operation = "query" if "KeyConditionExpression" in params else "scan"
    response = step(label, operation, **params)
    while "LastEvaluatedKey" in response:
        response = step(label, operation, **params, ExclusiveStartKey=response["LastEvaluatedKey"])


@pytest.fixture(scope="module")
def table(emulator: Emulator) -> Iterator[str]:
    """A table of this module with a composite key (string, binary) and an index, deleted at the end."""
    name = f"lean_parity_{uuid.uuid4().hex[:8]}"
    client = emulator.client("dynamodb")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "B"},
            {"AttributeName": "g", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)
    try:
        yield name
    finally:
        client.delete_table(TableName=name)


@pytest.fixture(scope="module")
def lean(emulator: Emulator) -> Iterator[LeanDynamoDB]:
    """The lean client of the emulator, as the function makes it."""
    client = LeanDynamoDB(
        region=emulator.region,
        endpoint_url=emulator.url,
        credentials=Credentials(DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"], DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]),
        connect_timeout=2.0,
        read_timeout=10.0,
        max_attempts=3,
        user_agent="dynamodbmanager/test",
    )
    try:
        yield client
    finally:
        client.close()


def botocore_caller(client: Any) -> Caller:
    """Calls through botocore's client: its response, or its error's ``response``."""
    from botocore.exceptions import ClientError

    def call(operation: str, params: dict[str, Any]) -> Outcome:
        try:
            return "ok", getattr(client, operation)(**params)
        except ClientError as exc:
            return "error", exc.response

    return call


def lean_caller(client: LeanDynamoDB) -> Caller:
    """Calls through the lean client: its response, or its error's ``response`` (whose code and message it has)."""

    def call(operation: str, params: dict[str, Any]) -> Outcome:
        try:
            return "ok", getattr(client, operation)(**params)
        except DynamoDBError as exc:
            error = exc.response["Error"]
            consistent = (exc.code, exc.message) == (error["Code"], error["Message"])
            return "error" if consistent else f"error unlike its response: {exc}", exc.response

    return call


@pytest.fixture(scope="module")
def runs(emulator: Emulator, table: str, lean: LeanDynamoDB) -> tuple[Run, Run]:
    """The sequence through botocore, then through the lean client."""
    expected = scenario(botocore_caller(emulator.client("dynamodb")), table)
    actual = scenario(lean_caller(lean), table)
    return expected, actual


def _split(outcome: Outcome) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """An outcome's kind, its response without ``ResponseMetadata``, and that metadata."""
    kind, response = outcome
    rest = dict(response)
    metadata = rest.pop("ResponseMetadata")
    return kind, rest, metadata


def test_every_answer_and_error_is_botocores(runs: tuple[Run, Run]) -> None:
    expected, actual = runs
    assert [label for label, _ in actual] == [label for label, _ in expected]
    for (label, wanted), (_, got) in zip(expected, actual, strict=True):
        wanted_kind, wanted_response, wanted_metadata = _split(wanted)
        got_kind, got_response, got_metadata = _split(got)
        assert (got_kind, got_response) == (wanted_kind, wanted_response), label
        assert set(got_metadata) == set(wanted_metadata), label
        assert got_metadata["HTTPStatusCode"] == wanted_metadata["HTTPStatusCode"], label
        assert got_metadata["RetryAttempts"] == wanted_metadata["RetryAttempts"] == 0, label
        assert got_metadata["RequestId"], label


def test_the_sequence_covers_what_the_function_meets(runs: tuple[Run, Run]) -> None:
    _, actual = runs
    outcomes = dict(actual)
    assert outcomes["get"] == ("ok", {**outcomes["get"][1], "Item": FULL})
    kind, failed = outcomes["put on a taken key"]
    assert (kind, failed["Error"]["Code"], failed["Item"]) == ("error", "ConditionalCheckFailedException", FULL)
    kind, cancelled = outcomes["transact write cancelled"]
    assert (kind, cancelled["Error"]["Code"]) == ("error", "TransactionCanceledException")
    assert [reason["Code"] for reason in cancelled["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert outcomes["invalid expression"][1]["Error"]["Code"] == "ValidationException"
    assert outcomes["missing table"][1]["Error"]["Code"] == "ResourceNotFoundException"
    assert sum(label == "query page" for label, _ in actual) >= 3
    assert sum(label == "scan page" for label, _ in actual) >= 3
    assert outcomes["describe"][1]["Table"]["CreationDateTime"].tzinfo is not None
