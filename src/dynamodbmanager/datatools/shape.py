"""The shape of the table an export reads or an import writes: from the API's ``GET /table``, or from DescribeTable.

Asked once per command, so every item is keyed, addressed and ordered by the design of the table it meets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dynamodbmanager.datatools.retry import retried
from dynamodbmanager.schema import KEY_TYPES, Index, InvalidDefinition, KeyAttribute, TableShape

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient


class UnknownDesign(Exception):
    """The API's ``GET /table`` answered something that is not a table design."""


def _attributes(value: Any, where: str) -> tuple[KeyAttribute, KeyAttribute | None]:
    """A ``key`` list of the design (``[{"name", "type"}]``, partition first) as its key attributes."""
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        raise UnknownDesign(f"{where} must list one or two key attributes.")
    attributes: list[KeyAttribute] = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or entry.get("type") not in KEY_TYPES:
            raise UnknownDesign(f"{where} holds {entry!r}, not a key attribute with a name and a type S, N or B.")
        attributes.append(KeyAttribute(entry["name"], entry["type"]))
    return attributes[0], attributes[1] if len(attributes) == 2 else None


def from_design(design: Any) -> TableShape:
    """The shape ``GET /table`` describes: ``{"name", "key": [...], "indexes": [{"name", "kind", "key", ...}]}``."""
    if not isinstance(design, dict) or not isinstance(design.get("name"), str):
        raise UnknownDesign("GET /table did not answer a table design with a name.")
    partition, sort = _attributes(design.get("key"), "key")
    indexes: dict[str, Index] = {}
    for entry in design.get("indexes") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise UnknownDesign(f"indexes holds {entry!r}, not an index with a name.")
        index_partition, index_sort = _attributes(entry.get("key"), f"index {entry['name']}")
        kind, projection = str(entry.get("kind", "GSI")), str(entry.get("projection", "ALL"))
        indexes[entry["name"]] = Index(entry["name"], kind, index_partition, index_sort, projection)
    return TableShape(design["name"], partition, sort, indexes)


def api_shape(client: ApiClient) -> TableShape:
    """The shape of the API's table, asked with ``GET /table`` (again while the API is busy)."""
    return from_design(retried(client.table))


def from_description(table: Mapping[str, Any]) -> TableShape:
    """The shape of DescribeTable's ``Table``: its KeySchema, AttributeDefinitions and indexes."""
    try:
        return TableShape.from_definition(table)
    except InvalidDefinition as exc:
        raise UnknownDesign(f"DescribeTable answered a table this tool cannot read: {exc}") from None


def index_of(shape: TableShape, name: str) -> Index:
    """The index called ``name``; :class:`LookupError` naming the indexes the table has when there is none."""
    if name not in shape.indexes:
        known = ", ".join(sorted(shape.indexes)) or "none"
        raise LookupError(f"the table {shape.table_name} has no index {name!r}; its indexes: {known}")
    return shape.indexes[name]
