"""DynamoDB expressions: placeholder checks, legacy AttributeUpdates, and the version every write bumps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import KEY_ATTRIBUTE, VERSION_ATTRIBUTE

#: Placeholders the service adds to the caller's expressions; a caller may not use them.
VERSION_NAME = "#dm_version"
ZERO_VALUE = ":dm_zero"
ONE_VALUE = ":dm_one"
EXPECTED_VALUE = ":dm_expected"
_RESERVED_PREFIXES = ("#dm_", ":dm_")

_NAME_PLACEHOLDER = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_PLACEHOLDER = re.compile(r":[A-Za-z0-9_]+")
_SET_KEYWORD = re.compile(r"\bSET\b", re.IGNORECASE)
_VERSION_TOKEN = re.compile(rf"(?<![#:.\w]){re.escape(VERSION_ATTRIBUTE)}\b")

#: ``SET`` clause that makes every write bump the item's version (1 for a new item).
VERSION_INCREMENT = f"{VERSION_NAME} = if_not_exists({VERSION_NAME}, {ZERO_VALUE}) + {ONE_VALUE}"


def check_placeholders(
    expressions: Iterable[str | None],
    names: Mapping[str, Any] | None,
    values: Mapping[str, Any] | None,
) -> None:
    """Refuse placeholders used but not defined, defined but not used, or reserved by the service.

    DynamoDB refuses both mistakes too; checking first gives the caller one clear message.
    """
    text = " ".join(e for e in expressions if e)
    used_names = set(_NAME_PLACEHOLDER.findall(text))
    used_values = set(_VALUE_PLACEHOLDER.findall(text))
    for kind, used, defined in (
        ("ExpressionAttributeNames", used_names, set(names or {})),
        ("ExpressionAttributeValues", used_values, set(values or {})),
    ):
        reserved = sorted(p for p in used | defined if p.startswith(_RESERVED_PREFIXES))
        if reserved:
            raise BadRequest(f"{kind}: {', '.join(reserved)} is reserved by the service; rename it.")
        if undefined := sorted(used - defined):
            raise BadRequest(f"An expression uses {', '.join(undefined)}, which {kind} does not define.")
        if unused := sorted(defined - used):
            raise BadRequest(f"{kind} defines {', '.join(unused)}, which no expression uses.")


def refuse_managed_attributes(update_expression: str, names: Mapping[str, Any] | None) -> None:
    """An update may not write the server-managed version itself (DynamoDB already guards the key)."""
    resolved = _NAME_PLACEHOLDER.sub(lambda m: str((names or {}).get(m.group(), m.group())), update_expression)
    if _VERSION_TOKEN.search(resolved):
        raise BadRequest(f"'{VERSION_ATTRIBUTE}' is managed by the service and cannot be updated.")


def with_version_increment(update_expression: str) -> str:
    """The caller's UpdateExpression with the version bump added to its SET clause (or a new one)."""
    expression, count = _SET_KEYWORD.subn(f"SET {VERSION_INCREMENT},", update_expression, count=1)
    return expression if count else f"SET {VERSION_INCREMENT} {update_expression}".rstrip()


def version_placeholders() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The names and values ``VERSION_INCREMENT`` needs, to merge into the caller's maps."""
    return {VERSION_NAME: VERSION_ATTRIBUTE}, {ZERO_VALUE: {"N": "0"}, ONE_VALUE: {"N": "1"}}


def from_attribute_updates(updates: Any) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Translate legacy ``AttributeUpdates`` into an UpdateExpression with plain (untyped) values.

    DynamoDB refuses ``AttributeUpdates`` mixed with expressions, and adding the version bump needs an
    expression, so the legacy form is rewritten here: ``PUT`` → SET, ``DELETE`` without value → REMOVE,
    ``ADD`` → ADD, ``DELETE`` with a value → DELETE.
    """
    if not isinstance(updates, dict) or not updates:
        raise BadRequest("AttributeUpdates must be a non-empty object of attribute name to update.")
    clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for index, (attribute, update) in enumerate(updates.items()):
        where = f"AttributeUpdates.{attribute}"
        if attribute in (KEY_ATTRIBUTE, VERSION_ATTRIBUTE):
            raise BadRequest(f"{where}: '{attribute}' is managed by the service and cannot be updated.")
        if not isinstance(update, dict) or not set(update) <= {"Value", "Action"}:
            raise BadRequest(f"{where} must be an object with 'Value' and optionally 'Action'.")
        action = update.get("Action", "PUT")
        name, value = f"#dm_a{index}", f":dm_a{index}"
        names[name] = attribute
        if action == "PUT":
            if "Value" not in update:
                raise BadRequest(f"{where}: the PUT action needs a 'Value'.")
            clauses["SET"].append(f"{name} = {value}")
        elif action == "DELETE" and "Value" not in update:
            clauses["REMOVE"].append(name)
        elif action in ("ADD", "DELETE"):
            if "Value" not in update:
                raise BadRequest(f"{where}: the {action} action needs a 'Value'.")
            clauses[action].append(f"{name} {value}")
        else:
            raise BadRequest(f"{where}: Action must be one of PUT, ADD, DELETE.")
        if "Value" in update:
            values[value] = update["Value"]
    expression = " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses.items() if parts)
    return expression, names, values
