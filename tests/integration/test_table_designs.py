"""Any table design through both contracts: composite keys, number and binary keys, queries and indexes.

Each design is a CreateTable file under ``examples/`` (or the shipped default), run with ``dynamodbmanager local
--table-definition FILE`` on moto and on dynalite; what is stored is read back with the low-level client.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from dynamodbmanager.schema import DEFAULT_DEFINITION_FILE
from tests.conftest import BOTOCORE, ROOT, RunningStack, start_dynalite_stack, start_stack
from tests.httpclient import Reply, call

pytestmark = pytest.mark.integration
SHOP = ROOT / "examples" / "single-table.json"
READINGS = ROOT / "examples" / "number-and-binary-keys.json"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


_BACKENDS = [("moto", "lean"), ("moto", "botocore"), ("dynalite", "lean"), ("dynalite", "botocore")]


@pytest.fixture(scope="module", params=_BACKENDS, ids=[f"{backend}-{client}" for backend, client in _BACKENDS])
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The DynamoDB behind the stacks of this module, and the function's DynamoDB client."""
    backend_name, client = request.param
    return str(backend_name), str(client)


def _start(
    definition: Path, backend: tuple[str, str], tmp: Path, lambda_zip: Path, request: pytest.FixtureRequest
) -> RunningStack:
    table = f"{definition.stem.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
    extra = ("--table-definition", str(definition))
    emulator, client = backend
    env = BOTOCORE if client == "botocore" else None
    if emulator == "moto":
        return start_stack(lambda_zip, request.getfixturevalue("emulator"), table, tmp / "local.log", *extra, env=env)
    return start_dynalite_stack(lambda_zip, tmp / "data", table, tmp / "local.log", *extra, env=env)


@pytest.fixture(scope="module")
def shop(
    backend: tuple[str, str], lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[RunningStack]:
    """A stack serving the single-table design (PK/SK, a GSI with ALL, a sparse KEYS_ONLY GSI, an LSI)."""
    running = _start(SHOP, backend, tmp_path_factory.mktemp("shop"), lambda_zip, request)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="module")
def readings(
    backend: tuple[str, str], lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[RunningStack]:
    """A stack serving a table with a number partition key and a binary sort key."""
    running = _start(READINGS, backend, tmp_path_factory.mktemp("readings"), lambda_zip, request)
    try:
        yield running
    finally:
        running.process.stop()


def ok(reply: Reply, status: int = 200) -> Reply:
    assert reply.status == status, reply.body
    return reply


def rpc(stack: RunningStack, operation: str, payload: dict[str, Any], form: str | None = None) -> Reply:
    body: dict[str, Any] = {"operation": operation, "payload": payload}
    if form:
        body["format"] = form
    return call("POST", f"{stack.url}/dynamodbmanager", body)


def stored(stack: RunningStack, key: dict[str, Any]) -> dict[str, Any] | None:
    client = stack.emulator.client("dynamodb")
    item: dict[str, Any] | None = client.get_item(TableName=stack.table_name, Key=key, ConsistentRead=True).get("Item")
    return item


def seed_customer(stack: RunningStack) -> str:
    """A customer partition with a profile and five orders, as a single-table design keeps them."""
    customer = f"CUSTOMER#{uuid.uuid4().hex[:8]}"
    ok(call("PUT", f"{stack.url}/items/{quote(customer, safe='')}/PROFILE", {"name": "Ada"}), 201)
    for n in range(1, 6):
        order = {
            "total": n * 10,
            "createdAt": f"2026-0{n}-01",
            "GSI1PK": f"ORDER#{n}",
            "GSI1SK": customer,
            "note": "x" * n,
            **({"status": f"OPEN#{customer}"} if n % 2 else {}),
        }
        ok(call("PUT", f"{stack.url}/items/{quote(customer, safe='')}/ORDER%23{n}", order), 201)
    return customer


def test_an_item_is_its_whole_key_with_versions_and_merge_patch(shop: RunningStack) -> None:
    customer = f"CUSTOMER#{uuid.uuid4().hex[:8]}"
    url = f"{shop.url}/items/{quote(customer, safe='')}/PROFILE"
    created = ok(call("PUT", url, {"name": "Ada"}), 201)
    assert created.header("Location") == f"/items/{quote(customer, safe='')}/PROFILE"
    assert created.json() == {"name": "Ada", "PK": customer, "SK": "PROFILE", "_version": 1}
    ok(call("PATCH", url, {"tier": "gold"}, {**MERGE_PATCH, "If-Match": '"1"'}))
    assert call("PUT", url, {"name": "x"}, {"If-Match": '"1"'}).status == 412
    key = {"PK": {"S": customer}, "SK": {"S": "PROFILE"}}
    assert stored(shop, key) == {**key, "name": {"S": "Ada"}, "tier": {"S": "gold"}, "_version": {"N": "2"}}
    assert call("PUT", f"{shop.url}/items/{quote(customer, safe='')}", {"a": 1}).status == 405
    ok(call("DELETE", url, headers={"If-Match": '"2"'}), 204)
    assert stored(shop, key) is None


def test_post_needs_every_key_attribute(shop: RunningStack) -> None:
    reply = call("POST", f"{shop.url}/items", {"PK": "CUSTOMER#1"})
    assert (reply.status, reply.json()["error"]["code"]) == (400, "InvalidKey")
    assert "'SK' (a string)" in reply.json()["error"]["message"]
    created = ok(call("POST", f"{shop.url}/items", {"PK": "CUSTOMER#post", "SK": f"S#{uuid.uuid4()}"}), 201)
    assert created.header("Location") is not None


@pytest.mark.parametrize(
    ("query", "orders"),
    [
        ("", ["ORDER#1", "ORDER#2", "ORDER#3", "ORDER#4", "ORDER#5", "PROFILE"]),
        ("?order=desc", ["PROFILE", "ORDER#5", "ORDER#4", "ORDER#3", "ORDER#2", "ORDER#1"]),
        ("?eq=ORDER%233", ["ORDER#3"]),
        ("?lt=ORDER%233", ["ORDER#1", "ORDER#2"]),
        ("?lte=ORDER%233", ["ORDER#1", "ORDER#2", "ORDER#3"]),
        ("?gt=ORDER%234", ["ORDER#5", "PROFILE"]),
        ("?gte=ORDER%234", ["ORDER#4", "ORDER#5", "PROFILE"]),
        ("?begins_with=ORDER", ["ORDER#1", "ORDER#2", "ORDER#3", "ORDER#4", "ORDER#5"]),
        ("?from=ORDER%232&to=ORDER%234", ["ORDER#2", "ORDER#3", "ORDER#4"]),
    ],
)
def test_a_partition_query_takes_every_sort_condition(shop: RunningStack, query: str, orders: list[str]) -> None:
    customer = seed_customer(shop)
    page = ok(call("GET", f"{shop.url}/items/{quote(customer, safe='')}{query}")).json()
    assert [item["SK"] for item in page["items"]] == orders
    assert page["next_cursor"] is None


def test_a_partition_query_pages_with_its_cursor(shop: RunningStack) -> None:
    customer = seed_customer(shop)
    seen: list[str] = []
    url = f"{shop.url}/items/{quote(customer, safe='')}?limit=2&order=desc"
    for _ in range(5):
        page = ok(call("GET", url)).json()
        seen += [item["SK"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"{shop.url}/items/{quote(customer, safe='')}?limit=2&order=desc&cursor={page['next_cursor']}"
    assert seen == ["PROFILE", "ORDER#5", "ORDER#4", "ORDER#3", "ORDER#2", "ORDER#1"]


def test_index_queries_return_their_projection(shop: RunningStack) -> None:
    customer = seed_customer(shop)
    by_order = ok(call("GET", f"{shop.url}/indexes/GSI1/items/ORDER%233?eq={quote(customer, safe='')}")).json()
    assert [(item["SK"], item["total"], item["note"]) for item in by_order["items"]] == [("ORDER#3", 30, "xxx")]
    sparse = ok(call("GET", f"{shop.url}/indexes/open-orders/items/{quote('OPEN#' + customer, safe='')}")).json()
    assert sorted(item["SK"] for item in sparse["items"]) == ["ORDER#1", "ORDER#3", "ORDER#5"]
    # KEYS_ONLY: the table's key and the index's key, nothing else.
    assert all(set(item) == {"PK", "SK", "status"} for item in sparse["items"])
    local = {
        "KeyConditionExpression": "PK = :c AND createdAt >= :d",
        "ExpressionAttributeValues": {":c": customer, ":d": "2026-04"},
        "IndexName": "by-created",
        "Select": "ALL_PROJECTED_ATTRIBUTES",
    }
    answer = ok(rpc(shop, "query", local)).json()
    assert [item["SK"] for item in answer["Items"]] == ["ORDER#4", "ORDER#5"]
    assert all(set(item) == {"PK", "SK", "createdAt", "total"} for item in answer["Items"])


def test_a_query_reads_only_its_partition(shop: RunningStack) -> None:
    customer = seed_customer(shop)
    seed_customer(shop)
    query = {"KeyConditionExpression": "PK = :c", "ExpressionAttributeValues": {":c": customer}}
    answer = ok(rpc(shop, "query", query)).json()
    scan = ok(rpc(shop, "list", {"Limit": 1000})).json()
    assert answer["ScannedCount"] == answer["Count"] == 6
    assert scan["ScannedCount"] > answer["ScannedCount"]


def test_a_filtered_query_crosses_empty_pages_with_its_key(shop: RunningStack) -> None:
    customer = seed_customer(shop)
    query: dict[str, Any] = {
        "KeyConditionExpression": "PK = :c",
        "FilterExpression": "#t >= :t",
        "ExpressionAttributeNames": {"#t": "total"},
        "ExpressionAttributeValues": {":c": customer, ":t": 50},
        "Limit": 1,
    }
    found, pages = [], 0
    while True:
        pages += 1
        answer = ok(rpc(shop, "query", query)).json()
        found += [item["SK"] for item in answer["Items"]]
        if "LastEvaluatedKey" not in answer:
            break
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    assert found == ["ORDER#5"]
    assert pages >= 6  # the pages before ORDER#5 came back empty, each with a key to go on from


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/indexes/nope/items/x", "UnknownIndex"),
        ("GET", "/items/x?begins_with=a&lt=b", "ValidationError"),
        ("GET", "/items/x?from=a", "ValidationError"),
        ("GET", "/indexes/open-orders/items/x?eq=a", "InvalidKeyCondition"),
    ],
)
def test_requests_the_design_cannot_serve_are_400s_saying_what_it_expects(
    shop: RunningStack, method: str, path: str, code: str
) -> None:
    reply = call(method, f"{shop.url}{path}")
    assert (reply.status, reply.json()["error"]["code"]) == (400, code), reply.body


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"Key": {"PK": "a"}}, "InvalidKey"),
        ({"Key": {"PK": "a", "SK": 1}}, "InvalidKey"),
        ({"Key": {"PK": "a", "SK": "b", "x": 1}}, "InvalidKey"),
    ],
)
def test_rpc_keys_are_checked_against_the_design(shop: RunningStack, payload: dict[str, Any], code: str) -> None:
    reply = rpc(shop, "read", payload)
    assert (reply.status, reply.json()["error"]["code"]) == (400, code)


def test_rpc_query_refusals(shop: RunningStack) -> None:
    consistent = {
        "KeyConditionExpression": "GSI1PK = :p",
        "ExpressionAttributeValues": {":p": "x"},
        "IndexName": "GSI1",
        "ConsistentRead": True,
    }
    assert rpc(shop, "query", consistent).status == 400
    wrong = {"KeyConditionExpression": "PK = :p AND total > :t", "ExpressionAttributeValues": {":p": "x", ":t": 1}}
    reply = rpc(shop, "query", wrong)
    assert (reply.status, reply.json()["error"]["code"]) == (400, "InvalidKeyCondition")
    assert "'SK'" in reply.json()["error"]["message"]


def test_batch_get_answers_every_item_found(shop: RunningStack) -> None:
    customer = seed_customer(shop)
    keys = [{"PK": customer, "SK": f"ORDER#{n}"} for n in range(1, 8)]
    answer = ok(rpc(shop, "batch_get", {"Keys": keys})).json()
    assert sorted(item["SK"] for item in answer["Items"]) == [f"ORDER#{n}" for n in range(1, 6)]


def test_transact_write_is_all_or_nothing_and_keeps_versions(shop: RunningStack, backend: tuple[str, str]) -> None:
    customer = seed_customer(shop)
    actions: list[dict[str, Any]] = [
        {"Put": {"Item": {"PK": customer, "SK": "ORDER#1", "total": 11}}},
        {"Put": {"Item": {"PK": customer, "SK": "ORDER#9", "total": 90}}},
        {
            "Update": {
                "Key": {"PK": customer, "SK": "PROFILE"},
                "UpdateExpression": "SET tier = :t",
                "ExpressionAttributeValues": {":t": "gold"},
            }
        },
        {"Delete": {"Key": {"PK": customer, "SK": "ORDER#2"}}},
        {
            "ConditionCheck": {
                "Key": {"PK": customer, "SK": "ORDER#3"},
                "ConditionExpression": "#t = :t",
                "ExpressionAttributeNames": {"#t": "total"},
                "ExpressionAttributeValues": {":t": 999},
            }
        },
    ]
    before = ok(
        rpc(shop, "query", {"KeyConditionExpression": "PK = :c", "ExpressionAttributeValues": {":c": customer}})
    )
    refused = rpc(shop, "transact_write", {"TransactItems": actions})
    if backend[0] == "dynalite":
        # dynalite has no transactions: said plainly, nothing written.
        assert (refused.status, refused.json()["error"]["code"]) == (501, "NotSupportedByBackend")
        return
    assert (refused.status, refused.json()["error"]["code"]) == (409, "TransactionCanceled"), refused.body
    assert refused.json()["error"]["reasons"][0]["action"] == 4
    after = rpc(shop, "query", {"KeyConditionExpression": "PK = :c", "ExpressionAttributeValues": {":c": customer}})
    assert after.json() == before.json()

    actions[4]["ConditionCheck"]["ExpressionAttributeValues"] = {":t": 30}
    ok(rpc(shop, "transact_write", {"TransactItems": actions}))
    versions = {
        sk: stored(shop, {"PK": {"S": customer}, "SK": {"S": sk}})
        for sk in ("ORDER#1", "ORDER#9", "PROFILE", "ORDER#2")
    }
    assert {sk: (item or {}).get("_version") for sk, item in versions.items()} == {
        "ORDER#1": {"N": "2"},
        "ORDER#9": {"N": "1"},
        "PROFILE": {"N": "2"},
        "ORDER#2": None,
    }


def test_number_and_binary_keys_in_paths_and_queries(readings: RunningStack) -> None:
    sensor = 7 + uuid.uuid4().int % 10_000
    stamps = [bytes([0, n, 255]) for n in range(4)]
    for n, stamp in enumerate(stamps):
        segment = base64.urlsafe_b64encode(stamp).rstrip(b"=").decode()
        created = ok(call("PUT", f"{readings.url}/items/{sensor}/{segment}", {"celsius": n / 2}), 201)
        assert created.header("Location") == f"/items/{sensor}/{segment}"
    key = {"sensor": {"N": str(sensor)}, "at": {"B": stamps[1]}}
    stored_item = stored(readings, key)
    assert stored_item is not None
    assert Decimal(stored_item["celsius"]["N"]) == Decimal("0.5")
    low = base64.urlsafe_b64encode(stamps[1]).rstrip(b"=").decode()
    high = base64.urlsafe_b64encode(stamps[2]).rstrip(b"=").decode()
    page = ok(call("GET", f"{readings.url}/items/{sensor}?from={low}&to={high}&format=dynamodb")).json()
    assert [item["at"]["B"] for item in page["items"]] == [base64.b64encode(s).decode() for s in stamps[1:3]]
    assert call("GET", f"{readings.url}/items/not-a-number/{low}").status == 400
    assert len(ok(call("GET", f"{readings.url}/items/{sensor}?begins_with=AA")).json()["items"]) == 4
    typed = {"Key": {"sensor": {"N": str(sensor)}, "at": {"B": base64.b64encode(stamps[0]).decode()}}}
    assert Decimal(ok(rpc(readings, "read", typed, "dynamodb")).json()["Item"]["celsius"]["N"]) == 0


def test_the_default_design_has_no_sort_conditions(stack: RunningStack) -> None:
    assert DEFAULT_DEFINITION_FILE.is_file()
    reply = rpc(
        stack,
        "query",
        {"KeyConditionExpression": "id = :i AND sk > :s", "ExpressionAttributeValues": {":i": "a", ":s": "b"}},
    )
    assert (reply.status, reply.json()["error"]["code"]) == (400, "InvalidKeyCondition")
    assert "no sort key" in reply.json()["error"]["message"]


def test_the_table_route_describes_the_design(shop: RunningStack) -> None:
    design = ok(call("GET", f"{shop.url}/table")).json()
    assert design["key"] == [{"name": "PK", "type": "S"}, {"name": "SK", "type": "S"}]
    assert {index["name"]: index["projection"] for index in design["indexes"]} == {
        "GSI1": "ALL",
        "open-orders": "KEYS_ONLY",
        "by-created": "INCLUDE",
    }
