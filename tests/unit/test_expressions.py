"""Expression building: placeholder checks, legacy AttributeUpdates, and the version bump on every update."""

from __future__ import annotations

from typing import Any

import pytest

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store import expressions


def test_undefined_placeholder_is_named() -> None:
    with pytest.raises(BadRequest, match=":missing"):
        expressions.check_placeholders(["SET a = :missing"], None, None)


def test_unused_placeholder_is_named() -> None:
    with pytest.raises(BadRequest, match="#unused"):
        expressions.check_placeholders(["SET a = :v"], {"#unused": "x"}, {":v": 1})


def test_reserved_placeholder_is_refused() -> None:
    with pytest.raises(BadRequest, match="reserved"):
        expressions.check_placeholders(["SET #dm_version = :v"], {"#dm_version": "x"}, {":v": 1})


def test_placeholders_used_across_expressions_are_accepted() -> None:
    expressions.check_placeholders(["SET #a = :v", "attribute_exists(#b)"], {"#a": "a", "#b": "b"}, {":v": 1})


ADD_BUMP = f"ADD {expressions.VERSION_ADD}"
SET_BUMP = expressions.VERSION_SET


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("SET a = :v", f"SET a = :v {ADD_BUMP}"),
        ("set a = :v REMOVE b", f"REMOVE b SET a = :v {ADD_BUMP}"),
        ("REMOVE b", f"REMOVE b {ADD_BUMP}"),
        ("DELETE d :set", f"DELETE d :set {ADD_BUMP}"),
        ("SET subset = :v", f"SET subset = :v {ADD_BUMP}"),
        ("SET #set = :add", f"SET #set = :add {ADD_BUMP}"),
        ("nonsense", f"{ADD_BUMP} nonsense"),
    ],
)
def test_version_bump_is_an_add_clause_applied_last(given: str, expected: str) -> None:
    expression, names, values = expressions.with_version_increment(given)
    assert expression == expected
    assert names == {expressions.VERSION_NAME: "_version"}
    assert values == {expressions.ONE_VALUE: {"N": "1"}}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ADD c :one", f"ADD c :one SET {SET_BUMP}"),
        (
            "SET a = list_append(a, :l), #s = :s REMOVE b.c[0] DELETE d :set add e :one",
            f"ADD e :one DELETE d :set REMOVE b.c[0] SET a = list_append(a, :l), #s = :s, {SET_BUMP}",
        ),
    ],
)
def test_with_an_add_clause_of_its_own_the_bump_joins_the_set_clause_applied_last(given: str, expected: str) -> None:
    expression, _, values = expressions.with_version_increment(given)
    assert expression == expected
    assert values == {expressions.ZERO_VALUE: {"N": "0"}, expressions.ONE_VALUE: {"N": "1"}}


@pytest.mark.parametrize(
    ("expression", "names"),
    [("SET _version = :v", None), ("SET #v = :v", {"#v": "_version"}), ("REMOVE _version", None)],
)
def test_updating_the_version_is_refused(expression: str, names: dict[str, str] | None) -> None:
    with pytest.raises(BadRequest, match="managed by the service"):
        expressions.refuse_managed_attributes(expression, names)


def test_a_nested_attribute_named_like_the_version_is_allowed() -> None:
    expressions.refuse_managed_attributes("SET info._version = :v", None)


def test_attribute_updates_become_one_expression() -> None:
    expression, names, values = expressions.from_attribute_updates(
        {
            "organization": {"Value": "Impacta Up"},
            "old": {"Action": "DELETE"},
            "count": {"Action": "ADD", "Value": 1},
            "tags": {"Action": "DELETE", "Value": {"x"}},
        }
    )
    assert expression == "SET #dm_a0 = :dm_a0 REMOVE #dm_a1 ADD #dm_a2 :dm_a2 DELETE #dm_a3 :dm_a3"
    assert names == {"#dm_a0": "organization", "#dm_a1": "old", "#dm_a2": "count", "#dm_a3": "tags"}
    assert values == {":dm_a0": "Impacta Up", ":dm_a2": 1, ":dm_a3": {"x"}}


@pytest.mark.parametrize(
    "updates",
    [
        {},
        [],
        {"a": "plain"},
        {"a": {"Action": "PUT"}},
        {"a": {"Action": "ADD"}},
        {"a": {"Action": "RENAME", "Value": 1}},
        {"a": {"Value": 1, "Extra": 2}},
        {"id": {"Value": "2"}},
        {"_version": {"Value": 9}},
        {"a": {"Action": "ADD", "Value": "text"}},
        {"a": {"Action": "ADD", "Value": True}},
        {"a": {"Action": "ADD", "Value": [1]}},
        {"a": {"Action": "DELETE", "Value": [1]}},
    ],
)
def test_malformed_attribute_updates_are_refused(updates: Any) -> None:
    with pytest.raises(BadRequest):
        expressions.from_attribute_updates(updates)


def test_a_version_of_another_type_is_reset_to_1_as_the_last_set_action() -> None:
    expression, names, values = expressions.with_version_increment("SET a = :a REMOVE b", reset_version=True)
    assert expression == f"REMOVE b SET a = :a, {expressions.VERSION_RESET}"
    assert (names, values) == ({"#dm_version": "_version"}, {":dm_one": {"N": "1"}})
