"""The OpenAPI document built for each table shape: valid OpenAPI 3.0.3, and naming that table's paths and keys."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from dynamodbmanager.api import openapi
from dynamodbmanager.api.rpc import ALLOWED_PARAMETERS
from dynamodbmanager.schema import DEFAULT_SHAPE, TableShape
from dynamodbmanager.store.keys import Keys
from tests.conftest import ROOT

SHOP = TableShape.load(ROOT / "examples" / "single-table.json")
READINGS = TableShape.load(ROOT / "examples" / "number-and-binary-keys.json")
SHAPES = pytest.mark.parametrize("shape", [DEFAULT_SHAPE, SHOP, READINGS], ids=["default", "shop", "readings"])
URN = "urn:openapi"


def _validator(document: dict[str, Any], schema: str) -> OAS30Validator:
    """A validator of one of the document's schemas, its references resolved within the document."""
    registry: Registry[Any] = Registry().with_resource(
        URN, Resource.from_contents(document, default_specification=DRAFT4)
    )
    return OAS30Validator({"$ref": f"{URN}#/components/schemas/{schema}"}, registry=registry)


def _valid(document: dict[str, Any], schema: str, instance: Any) -> bool:
    return bool(_validator(document, schema).is_valid(instance))


def _parameters(document: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """The parameters of a path's GET (and of the path item), by name, references resolved."""
    item = document["paths"][path]
    found: dict[str, dict[str, Any]] = {}
    for entry in [*item.get("parameters", []), *item["get"]["parameters"]]:
        parameter = document["components"]["parameters"][entry["$ref"].rsplit("/", 1)[1]] if "$ref" in entry else entry
        found[parameter["name"]] = parameter
    return found


@SHAPES
def test_the_document_is_valid_openapi_3_0_3(shape: TableShape) -> None:
    document = openapi.document(shape)
    assert document["openapi"] == "3.0.3"
    validate(document)


def test_the_shipped_template_is_the_default_tables_document() -> None:
    assert openapi.document(DEFAULT_SHAPE) == json.loads(openapi.TEMPLATE.read_text(encoding="utf-8"))


def test_the_default_table_keeps_its_paths_and_id() -> None:
    document = openapi.document(DEFAULT_SHAPE)
    expected = ["/dynamodbmanager", "/items", "/items/{id}", "/table", "/health", "/openapi.json"]
    assert list(document["paths"]) == expected
    member = _parameters(document, "/items/{id}")
    assert member["id"]["schema"]["pattern"] == "^(?!\\.\\.?$)[^/]+$"
    assert set(document["paths"]["/items/{id}"]) == {"parameters", "get", "put", "patch", "delete"}
    schemas = document["components"]["schemas"]
    assert schemas["Key"]["required"] == ["id"]
    assert schemas["IndexName"] == {"not": {}, "description": "The table has no secondary index to name."}
    assert "ALL_PROJECTED_ATTRIBUTES" not in schemas["Select"]["enum"]
    assert "SortKey" not in document["components"]["parameters"]
    assert document["paths"]["/items"]["post"]["summary"] == "Create an item; its id is generated when absent."


def test_a_composite_table_has_item_partition_and_index_paths() -> None:
    document = openapi.document(SHOP)
    paths = document["paths"]
    assert {"/items/{PK}/{SK}", "/items/{PK}", "/indexes/{index}/items/{pk}", "/table"} <= set(paths)
    assert "/items/{id}" not in paths
    assert set(paths["/items/{PK}/{SK}"]) == {"parameters", "get", "put", "patch", "delete"}
    assert set(paths["/items/{PK}"]) == {"get"}
    partition = _parameters(document, "/items/{PK}")
    conditions = {"eq", "lt", "lte", "gt", "gte", "begins_with", "from", "to"}
    assert {"PK", "format", "order", "limit", "cursor"} | conditions == set(partition)
    assert partition["eq"]["schema"]["maxLength"] == 1024
    index = _parameters(document, "/indexes/{index}/items/{pk}")
    assert index["index"]["schema"]["enum"] == ["GSI1", "by-created", "open-orders"]
    assert index["pk"]["in"] == "path"
    assert conditions <= set(index)


def test_a_composite_tables_keys_name_its_attributes() -> None:
    schemas = openapi.document(SHOP)["components"]["schemas"]
    assert schemas["Key"]["required"] == ["PK", "SK"]
    assert set(schemas["Key"]["properties"]) == {"PK", "SK"}
    assert set(schemas["TypedKey"]["properties"]) == {"PK", "SK"}
    assert schemas["StartKey"]["required"] == ["PK", "SK"]
    assert set(schemas["StartKey"]["properties"]) == {"PK", "SK", "GSI1PK", "GSI1SK", "status", "createdAt"}
    assert schemas["RpcItem"]["required"] == ["PK", "SK"]
    assert schemas["Item"]["required"] == ["PK", "SK"]
    assert "required" not in schemas["NewItem"]
    assert schemas["IndexName"]["enum"] == ["GSI1", "by-created", "open-orders"]
    assert "ALL_PROJECTED_ATTRIBUTES" in schemas["Select"]["enum"]


def test_number_and_binary_keys_have_their_path_forms() -> None:
    document = openapi.document(READINGS)
    paths = document["paths"]
    assert {"/items/{sensor}/{at}", "/items/{sensor}"} <= set(paths)
    assert not any(path.startswith("/indexes/") for path in paths)
    parameters = _parameters(document, "/items/{sensor}")
    assert parameters["sensor"]["schema"] == {"$ref": "#/components/schemas/NumberText"}
    pattern = parameters["eq"]["schema"]["pattern"]
    keys = Keys(READINGS)
    sort = READINGS.sort
    assert sort is not None
    for raw in (b"\x00", b"\x00\xff", b"\xfb\xff\xfe", b"\x00\x01\x02\x03"):
        assert re.fullmatch(pattern, keys.path_text(sort, {"B": raw}))
        assert keys.path_value(sort, keys.path_text(sort, {"B": raw}), sort=True) == {"B": raw}
    assert not re.fullmatch(pattern, "AAE=")
    assert not re.fullmatch(pattern, "A")
    schemas = document["components"]["schemas"]
    # Plain JSON has no binary: only DynamoDB JSON can name such an item.
    assert not _valid(document, "Key", {"sensor": 1, "at": "AAE="})
    assert _valid(document, "TypedKey", {"sensor": {"N": "1"}, "at": {"B": "AAE="}})
    assert not _valid(document, "TypedKey", {"sensor": {"S": "1"}, "at": {"B": "AAE="}})
    assert schemas["Item"]["properties"]["at"]["format"] == "byte"
    # What a plain answer holds of a binary key is base64 text, which no plain request can send back.
    assert _valid(document, "LastEvaluatedKey", {"sensor": 2, "at": "AAI="})
    assert not _valid(document, "StartKey", {"sensor": 2, "at": "AAI="})


@SHAPES
def test_every_rpc_operation_is_described_with_exactly_its_parameters(shape: TableShape) -> None:
    schemas = openapi.document(shape)["components"]["schemas"]
    for group in ("RpcPlainRequest", "RpcTypedRequest"):
        mapping = schemas[group]["discriminator"]["mapping"]
        assert set(mapping) == set(ALLOWED_PARAMETERS)
        for operation, reference in mapping.items():
            request = schemas[reference.rsplit("/", 1)[1]]
            assert request["properties"]["operation"]["enum"] == [operation]
            assert set(request["properties"]["payload"]["properties"]) == ALLOWED_PARAMETERS[operation]


@SHAPES
def test_the_examples_conform_to_their_schemas(shape: TableShape) -> None:
    document = openapi.document(shape)
    rpc = document["paths"]["/dynamodbmanager"]["post"]["requestBody"]["content"]["application/json"]
    for name, example in rpc["examples"].items():
        errors = [error.message for error in _validator(document, "RpcRequest").iter_errors(example["value"])]
        assert not errors, (name, errors)
    bodies = document["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in bodies.values():
        assert _valid(document, "ItemBody", example["value"])
    design = document["paths"]["/table"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    assert _valid(document, "TableDesign", design)
    assert [attribute["name"] for attribute in design["key"]] == list(shape.key_names)


def test_the_rpc_schemas_hold_requests_to_the_tables_key() -> None:
    document = openapi.document(SHOP)
    read = {"operation": "read", "payload": {"Key": {"PK": "a", "SK": "b"}}}
    assert _valid(document, "RpcRequest", read)
    assert not _valid(document, "RpcRequest", {"operation": "read", "payload": {"Key": {"PK": "a"}}})
    assert not _valid(document, "RpcRequest", {"operation": "read", "payload": {"Key": {"id": "a"}}})
    query = {"KeyConditionExpression": "#p = :p", "IndexName": "GSI1", "ExpressionAttributeNames": {"#p": "GSI1PK"}}
    assert _valid(document, "RpcRequest", {"operation": "query", "payload": query})
    assert not _valid(document, "RpcRequest", {"operation": "query", "payload": {**query, "IndexName": "nope"}})
    start = {"PK": "a", "SK": "b", "GSI1PK": "c", "GSI1SK": "d"}
    assert _valid(document, "RpcRequest", {"operation": "list", "payload": {"ExclusiveStartKey": start}})
    action = {"ConditionCheck": {"Key": {"PK": "a", "SK": "b"}, "ConditionExpression": "attribute_exists(PK)"}}
    assert _valid(document, "RpcRequest", {"operation": "transact_write", "payload": {"TransactItems": [action]}})
    assert not _valid(document, "RpcRequest", {"operation": "transact_write", "payload": {"TransactItems": []}})
    default = openapi.document(DEFAULT_SHAPE)
    assert not _valid(default, "RpcRequest", {"operation": "list", "payload": {"IndexName": "GSI1"}})


def test_the_document_is_built_once_per_shape() -> None:
    openapi._documents.clear()
    first = openapi.response(SHOP)
    assert (first.status, first.headers["Content-Type"]) == (200, "application/json")
    assert json.loads(first.body) == openapi.document(SHOP)
    assert openapi.response(SHOP).body is first.body
    assert openapi.response(DEFAULT_SHAPE).body is not first.body
    assert len(openapi._documents) == 2
