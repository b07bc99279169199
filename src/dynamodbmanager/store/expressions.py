"""DynamoDB expressions: placeholder checks, legacy AttributeUpdates, and the version every write bumps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import KEY_ATTRIBUTE, VERSION_ATTRIBUTE

#: Placeholders the service adds to the caller's expressions; a caller may not use them.
VERSION_NAME = "#dm_version"
KEY_NAME = "#dm_key"
NUMBER_TYPE_VALUE = ":dm_number_type"
ZERO_VALUE = ":dm_zero"
ONE_VALUE = ":dm_one"
EXPECTED_VALUE = ":dm_expected"
_RESERVED_PREFIXES = ("#dm_", ":dm_")

_NAME_PLACEHOLDER = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_PLACEHOLDER = re.compile(r":[A-Za-z0-9_]+")
#: The clause keywords of an UpdateExpression: reserved words, so never a bare attribute name (but
#: ``#set`` or ``:add`` are placeholders).
_CLAUSE_KEYWORD = re.compile(r"(?<![#:.\w])(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)
_APPLY_ORDER = {"ADD": 0, "DELETE": 1, "REMOVE": 2, "SET": 3}
_VERSION_TOKEN = re.compile(rf"(?<![#:.\w]){re.escape(VERSION_ATTRIBUTE)}\b")

#: The clause that bumps the item's version on every update (ADD starts from 0, so a new item gets 1).
VERSION_ADD = f"{VERSION_NAME} {ONE_VALUE}"
#: The same bump as a ``SET`` action, for an update that has an ADD clause of its own to put first.
VERSION_SET = f"{VERSION_NAME} = if_not_exists({VERSION_NAME}, {ZERO_VALUE}) + {ONE_VALUE}"
#: The version of an item whose ``_version`` another writer made of another type: the service's first, 1.
VERSION_RESET = f"{VERSION_NAME} = {ONE_VALUE}"


#: DynamoDB's limits on expression parameters, from "Constraints in Amazon DynamoDB", section "Expression
#: parameters": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-expression-parameters
MAX_EXPRESSION_BYTES = 4 * 1024
MAX_PLACEHOLDER_BYTES = 255
MAX_SUBSTITUTION_BYTES = 2 * 1024 * 1024
MAX_OPERATORS = 300
MAX_IN_OPERANDS = 100
#: What counts as an operator or a function: comparisons, logical and arithmetic operators, and any call.
_OPERATOR = re.compile(r"<>|<=|>=|[=<>+-]|\b(?:AND|OR|NOT|BETWEEN|IN)\b|\b(?!IN\b)[A-Za-z_]+\s*\(", re.IGNORECASE)
#: The SET clause's own ``=`` between an attribute and its new value is an assignment, not a comparison.
_ASSIGNMENT = re.compile(r"(?:^|,|\bSET\b)\s*[#\w.\[\]]+\s*=", re.IGNORECASE)
_IN_LIST = re.compile(r"\bIN\s*\(([^()]*)\)", re.IGNORECASE)


def check_limits(
    expressions: Mapping[str, str], names: Mapping[str, Any] | None, values: Mapping[str, Any] | None
) -> None:
    """Refuse up front, with a 400 naming the limit, what DynamoDB's expression constraints refuse."""
    for parameter, expression in expressions.items():
        size = len(expression.encode("utf-8", "surrogatepass"))
        if size > MAX_EXPRESSION_BYTES:
            raise BadRequest(f"{parameter} is {size} bytes; DynamoDB allows at most {MAX_EXPRESSION_BYTES} (4 KB).")
        operators = len(_OPERATOR.findall(expression))
        if parameter == "UpdateExpression":
            operators -= len(_ASSIGNMENT.findall(expression))
        if operators > MAX_OPERATORS:
            raise BadRequest(
                f"{parameter} has {operators} operators and functions; DynamoDB allows at most {MAX_OPERATORS}."
            )
        for operands in _IN_LIST.findall(expression):
            count = operands.count(",") + 1
            if count > MAX_IN_OPERANDS:
                raise BadRequest(f"{parameter} gives IN {count} operands; DynamoDB allows at most {MAX_IN_OPERANDS}.")
    total = 0
    for kind, placeholders in (("ExpressionAttributeNames", names), ("ExpressionAttributeValues", values)):
        for placeholder, value in (placeholders or {}).items():
            length = len(str(placeholder).encode("utf-8", "surrogatepass"))
            if length > MAX_PLACEHOLDER_BYTES:
                raise BadRequest(
                    f"{kind} has a placeholder of {length} bytes; DynamoDB allows at most {MAX_PLACEHOLDER_BYTES}."
                )
            total += length + len(str(value).encode("utf-8", "surrogatepass"))
    if total > MAX_SUBSTITUTION_BYTES:
        raise BadRequest(
            f"The substitution variables total {total} bytes; DynamoDB allows at most {MAX_SUBSTITUTION_BYTES} (2 MB)."
        )


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


def with_version_increment(
    update_expression: str, reset_version: bool = False
) -> tuple[str, dict[str, str], dict[str, dict[str, str]]]:
    """The caller's UpdateExpression with the version bump added, and the placeholders the bump uses.

    DynamoDB applies an update's clauses all at once, in whatever order they are written. moto applies
    them one by one and keeps what it applied before one fails, so the clauses are put in the order that
    can fail first (ADD, DELETE, then REMOVE, then SET, the bump last): a refused update leaves the item
    as it was there too. The bump is its own ``ADD`` clause, the cheapest form for an emulator to parse,
    unless the caller's ADD clause takes that place; then it is the last action of the SET clause. With
    ``reset_version`` the version is set to 1 instead (for a ``_version`` that is not a number).
    """
    names, values = {VERSION_NAME: VERSION_ATTRIBUTE}, {ONE_VALUE: {"N": "1"}}
    head, *rest = _CLAUSE_KEYWORD.split(update_expression)
    if head.strip():  # not an expression DynamoDB accepts: it will say so, left as it is
        return f"ADD {VERSION_ADD} {update_expression}", names, values
    clauses = [(keyword.upper(), body.strip()) for keyword, body in zip(rest[::2], rest[1::2], strict=True)]
    clauses.sort(key=lambda clause: _APPLY_ORDER[clause[0]])
    if reset_version:
        _append_set(clauses, VERSION_RESET)
    elif not any(keyword == "ADD" for keyword, _ in clauses):
        clauses.append(("ADD", VERSION_ADD))
    else:
        values[ZERO_VALUE] = {"N": "0"}
        _append_set(clauses, VERSION_SET)
    return " ".join(f"{keyword} {body}" for keyword, body in clauses), names, values


def _append_set(clauses: list[tuple[str, str]], action: str) -> None:
    """Add ``action`` as the last action of the last clause, a SET clause (made when there is none)."""
    if clauses and clauses[-1][0] == "SET":
        clauses[-1] = ("SET", f"{clauses[-1][1]}, {action}")
    else:
        clauses.append(("SET", action))


def from_attribute_updates(
    updates: Any, typed: bool = False, key_names: Iterable[str] = (KEY_ATTRIBUTE,)
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Translate legacy ``AttributeUpdates`` into an UpdateExpression with the values as given (plain or typed).

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
        if attribute == VERSION_ATTRIBUTE or attribute in key_names:
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
            _check_add_or_delete(action, _kind(update["Value"], typed), where)
            clauses[action].append(f"{name} {value}")
        else:
            raise BadRequest(f"{where}: Action must be one of PUT, ADD, DELETE.")
        if "Value" in update:
            values[value] = update["Value"]
    expression = " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses.items() if parts)
    return expression, names, values


#: Plain JSON has no sets (nor binary): the form that has them.
SETS_HINT = ' Plain JSON has no sets or binary: send the request as DynamoDB JSON ("format": "dynamodb").'


def _kind(value: Any, typed: bool) -> str:
    """The DynamoDB type of a plain or typed value, as far as ADD and DELETE care (N or a set, else other)."""
    if typed:
        return next(iter(value)) if isinstance(value, dict) and len(value) == 1 else "other"
    if isinstance(value, set | frozenset):
        return "SS"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return "N"
    return "other"


def _check_add_or_delete(action: str, kind: str, where: str) -> None:
    """ADD takes a number or a set, DELETE a set: refused here with a message, not by DynamoDB."""
    is_set = kind in ("SS", "NS", "BS")
    if action == "ADD" and not (is_set or kind == "N"):
        raise BadRequest(f"{where}: ADD takes a number, to add to, or a set, to add elements to.{SETS_HINT}")
    if action == "DELETE" and not is_set:
        raise BadRequest(
            f"{where}: DELETE with a Value removes elements of a set; leave Value out to remove it.{SETS_HINT}"
        )
