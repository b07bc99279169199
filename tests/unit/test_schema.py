"""Table definitions in CreateTable's JSON: parsed once into the shape every layer validates against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.schema import (
    DEFAULT_DEFINITION_FILE,
    DEFAULT_SHAPE,
    InvalidDefinition,
    KeyAttribute,
    TableShape,
    create_table_parameters,
    load_definition,
)
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def test_the_shipped_definition_is_the_seed_table() -> None:
    assert TableShape.load() == DEFAULT_SHAPE
    assert DEFAULT_SHAPE.key_names == ("id",)
    assert DEFAULT_DEFINITION_FILE.is_file()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_parses_and_survives_the_environment(path: Path) -> None:
    shape = TableShape.load(path)
    assert TableShape.from_env(shape.to_env(), shape.table_name) == shape
    assert create_table_parameters(load_definition(path), "other")["TableName"] == "other"


def test_the_single_table_example_has_its_indexes() -> None:
    shape = TableShape.load(ROOT / "examples" / "single-table.json")
    assert (shape.partition, shape.sort) == (KeyAttribute("PK", "S"), KeyAttribute("SK", "S"))
    assert {name: (i.kind, i.projection) for name, i in shape.indexes.items()} == {
        "GSI1": ("GSI", "ALL"),
        "open-orders": ("GSI", "KEYS_ONLY"),
        "by-created": ("LSI", "INCLUDE"),
    }
    assert shape.key_schema(shape.indexes["GSI1"]) == {"PK": "S", "SK": "S", "GSI1PK": "S", "GSI1SK": "S"}


def _definition(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = json.loads((ROOT / "examples" / "single-table.json").read_text())
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"TableName": ""}, "TableName"),
        ({"KeySchema": []}, "HASH"),
        ({"KeySchema": [{"AttributeName": "PK", "KeyType": "RANGE"}]}, "HASH"),
        ({"KeySchema": [{"AttributeName": "nope", "KeyType": "HASH"}]}, "not in AttributeDefinitions"),
        ({"AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "M"}]}, "S, N or B"),
        (
            {
                "LocalSecondaryIndexes": [
                    {"IndexName": "x", "KeySchema": [{"AttributeName": "SK", "KeyType": "HASH"}], "Projection": {}}
                ]
            },
            "share the table's partition key",
        ),
        ({"GlobalSecondaryIndexes": [], "LocalSecondaryIndexes": []}, "which no key uses"),
    ],
)
def test_a_definition_dynamodb_would_refuse_is_refused_saying_why(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDefinition, match=message):
        TableShape.from_definition(_definition(**changes))


def test_an_unknown_index_is_a_400_naming_the_indexes() -> None:
    shape = TableShape.load(ROOT / "examples" / "single-table.json")
    with pytest.raises(Exception, match="GSI1, by-created, open-orders"):
        shape.index("nope")
