"""The table's shape: its key schema and indexes, read from one CreateTable definition, and the version attribute.

The definition is DynamoDB's own CreateTable JSON (what ``aws dynamodb create-table --cli-input-json`` takes).
The Terraform builds the table from it, the local stack creates the table from it, and the function gets the
shape through its environment (``TABLE_SHAPE``), so nothing keeps a second copy and no DescribeTable call is
made at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dynamodbmanager.errors import BadRequest

#: The attribute that holds each item's version: a number the service increments on every write.
VERSION_ATTRIBUTE = "_version"
#: The partition key of the idempotency table (AWS Lambda Powertools' default).
IDEMPOTENCY_KEY_ATTRIBUTE = "id"
#: The idempotency table's TTL attribute (Powertools' default): DynamoDB drops a record once it has expired.
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"
#: The shipped definition: the seed's table ``anything`` with the string partition key ``id``.
DEFAULT_DEFINITION_FILE = Path(__file__).with_name("tables") / "anything.json"
#: The key attribute types DynamoDB allows.
KEY_TYPES = ("S", "N", "B")
_TYPE_NAMES = {"S": "a string", "N": "a number", "B": "binary"}


class InvalidDefinition(ValueError):
    """A table definition that is not CreateTable JSON DynamoDB would accept."""


@dataclass(frozen=True)
class KeyAttribute:
    """One key attribute: its name and its type (S, N or B)."""

    name: str
    type: str

    def describe(self) -> str:
        """``'PK' (a string)``: how messages name it."""
        return f"'{self.name}' ({_TYPE_NAMES[self.type]})"


@dataclass(frozen=True)
class Index:
    """A secondary index: its kind (GSI or LSI), key and projection."""

    name: str
    kind: str
    partition: KeyAttribute
    sort: KeyAttribute | None
    projection: str

    @property
    def key(self) -> tuple[KeyAttribute, ...]:
        """The index's key attributes, partition first."""
        return (self.partition,) if self.sort is None else (self.partition, self.sort)


@dataclass(frozen=True)
class TableShape:
    """A table's name, key and indexes: everything the service validates requests against."""

    table_name: str
    partition: KeyAttribute
    sort: KeyAttribute | None = None
    indexes: Mapping[str, Index] = field(default_factory=dict)

    @property
    def key(self) -> tuple[KeyAttribute, ...]:
        """The table's key attributes, partition first."""
        return (self.partition,) if self.sort is None else (self.partition, self.sort)

    @property
    def key_names(self) -> tuple[str, ...]:
        """The names of the table's key attributes, partition first."""
        return tuple(attribute.name for attribute in self.key)

    def key_schema(self, index: Index | None = None) -> dict[str, str]:
        """Name to type of the attributes a LastEvaluatedKey holds: the table's key, and the index's when given."""
        attributes = self.key + (index.key if index is not None else ())
        return {attribute.name: attribute.type for attribute in attributes}

    def index(self, name: str) -> Index:
        """The index called ``name``; a 400 naming the indexes there are when there is none."""
        if name not in self.indexes:
            known = ", ".join(sorted(self.indexes)) or "none"
            raise BadRequest(f"The table has no index '{name}'; its indexes: {known}.", code="UnknownIndex")
        return self.indexes[name]

    def describe(self) -> str:
        """The key schema in a line: ``PK (S), SK (S); indexes GSI1, open-orders``."""
        key = ", ".join(f"{attribute.name} ({attribute.type})" for attribute in self.key)
        return key + (f"; indexes {', '.join(sorted(self.indexes))}" if self.indexes else "")

    def to_env(self) -> str:
        """The shape as the compact JSON the function reads from ``TABLE_SHAPE``."""
        return json.dumps(_shape_json(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_env(cls, text: str, table_name: str) -> TableShape:
        """The shape in ``TABLE_SHAPE`` (as :meth:`to_env` writes it), for the table ``table_name``."""
        data = json.loads(text)

        def attribute(value: list[str] | None) -> KeyAttribute | None:
            return None if value is None else KeyAttribute(value[0], value[1])

        indexes = {
            name: Index(
                name, index["kind"], KeyAttribute(*index["pk"]), attribute(index.get("sk")), index["projection"]
            )
            for name, index in data.get("indexes", {}).items()
        }
        return cls(table_name, KeyAttribute(*data["pk"]), attribute(data.get("sk")), indexes)

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any]) -> TableShape:
        """The shape a CreateTable definition describes; :class:`InvalidDefinition` says what is wrong."""
        return _parse(definition)

    @classmethod
    def load(cls, path: Path = DEFAULT_DEFINITION_FILE) -> TableShape:
        """The shape of the definition file at ``path``."""
        return cls.from_definition(load_definition(path))


def load_definition(path: Path = DEFAULT_DEFINITION_FILE) -> dict[str, Any]:
    """A CreateTable definition file, parsed and checked."""
    try:
        definition: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidDefinition(f"{path} is not JSON: {exc.msg} at line {exc.lineno}.") from None
    _parse(definition)
    return definition


def create_table_parameters(definition: Mapping[str, Any], table_name: str | None = None) -> dict[str, Any]:
    """CreateTable parameters from a definition: its tables and indexes, on-demand, under ``table_name`` if given."""
    allowed = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")
    parameters = {name: definition[name] for name in allowed if definition.get(name)}
    parameters["TableName"] = table_name or definition["TableName"]
    parameters["BillingMode"] = "PAY_PER_REQUEST"
    return parameters


def _shape_json(shape: TableShape) -> dict[str, Any]:
    def attribute(value: KeyAttribute | None) -> list[str] | None:
        return None if value is None else [value.name, value.type]

    data: dict[str, Any] = {"pk": attribute(shape.partition), "sk": attribute(shape.sort)}
    if shape.indexes:
        data["indexes"] = {
            name: {"kind": i.kind, "pk": attribute(i.partition), "sk": attribute(i.sort), "projection": i.projection}
            for name, i in shape.indexes.items()
        }
    return data


def _key(schema: Any, types: Mapping[str, str], where: str) -> tuple[KeyAttribute, KeyAttribute | None]:
    """A KeySchema's partition and sort key, typed from the AttributeDefinitions."""
    if not isinstance(schema, list) or not 1 <= len(schema) <= 2:
        raise InvalidDefinition(f"{where}: KeySchema must list a HASH key and optionally a RANGE key.")
    roles = {entry.get("KeyType"): entry.get("AttributeName") for entry in schema if isinstance(entry, dict)}
    if "HASH" not in roles or len(roles) != len(schema) or not set(roles) <= {"HASH", "RANGE"}:
        raise InvalidDefinition(f"{where}: KeySchema must list one HASH key and at most one RANGE key.")
    attributes: list[KeyAttribute] = []
    for role in ("HASH", "RANGE"):
        if role in roles:
            name = roles[role]
            if not isinstance(name, str) or name not in types:
                raise InvalidDefinition(f"{where}: key attribute '{name}' is not in AttributeDefinitions.")
            attributes.append(KeyAttribute(name, types[name]))
    return attributes[0], attributes[1] if len(attributes) == 2 else None


def _parse(definition: Mapping[str, Any]) -> TableShape:
    if not isinstance(definition, Mapping):
        raise InvalidDefinition("A table definition is a JSON object in CreateTable's form.")
    name = definition.get("TableName")
    if not isinstance(name, str) or not name:
        raise InvalidDefinition("The definition needs a TableName.")
    types: dict[str, str] = {}
    for entry in definition.get("AttributeDefinitions") or []:
        attribute_type = entry.get("AttributeType") if isinstance(entry, dict) else None
        if attribute_type not in KEY_TYPES or not isinstance(entry.get("AttributeName"), str):
            raise InvalidDefinition(f"AttributeDefinitions: {entry!r} needs an AttributeName and a type S, N or B.")
        types[entry["AttributeName"]] = attribute_type
    partition, sort = _key(definition.get("KeySchema"), types, "the table")
    indexes: dict[str, Index] = {}
    for kind, member in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
        for entry in definition.get(member) or []:
            index_name = entry.get("IndexName") if isinstance(entry, dict) else None
            if not isinstance(index_name, str) or not index_name or index_name in indexes:
                raise InvalidDefinition(f"{member}: every index needs a unique IndexName.")
            index_partition, index_sort = _key(entry.get("KeySchema"), types, f"index {index_name}")
            if kind == "LSI" and (index_partition != partition or index_sort is None):
                raise InvalidDefinition(f"LSI {index_name} must share the table's partition key and have a sort key.")
            projection = (entry.get("Projection") or {}).get("ProjectionType", "ALL")
            if projection not in ("ALL", "KEYS_ONLY", "INCLUDE"):
                raise InvalidDefinition(f"index {index_name}: ProjectionType must be ALL, KEYS_ONLY or INCLUDE.")
            indexes[index_name] = Index(index_name, kind, index_partition, index_sort, projection)
    used = {partition.name} | ({sort.name} if sort else set())
    used |= {attribute.name for index in indexes.values() for attribute in index.key}
    if unused := sorted(set(types) - used):
        raise InvalidDefinition(
            f"AttributeDefinitions names {', '.join(unused)}, which no key uses (DynamoDB refuses)."
        )
    return TableShape(name, partition, sort, indexes)


#: The seed's table: ``anything`` with the string partition key ``id``, as the shipped definition describes it.
DEFAULT_SHAPE = TableShape("anything", KeyAttribute("id", "S"))
#: The default shape's partition key, for code that serves only the default table.
KEY_ATTRIBUTE = DEFAULT_SHAPE.partition.name
KEY_TYPE = DEFAULT_SHAPE.partition.type


def items_table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable parameters for the shipped definition's items table, under ``table_name``."""
    return create_table_parameters(load_definition(), table_name)


def idempotency_table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable parameters for the idempotency table of Powertools' DynamoDB persistence layer."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [{"AttributeName": IDEMPOTENCY_KEY_ATTRIBUTE, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": IDEMPOTENCY_KEY_ATTRIBUTE, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
