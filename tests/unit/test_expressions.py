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


def _limits(**expressions_: str) -> None:
    expressions.check_limits(expressions_, None, None)


def test_an_expression_of_4_kb_is_accepted_and_one_byte_more_refused() -> None:
    _limits(FilterExpression="a = :v" + " " * (4096 - 6))
    with pytest.raises(BadRequest, match="4096"):
        _limits(FilterExpression="a = :v" + " " * (4096 - 5))


def test_300_operators_are_accepted_and_301_refused() -> None:
    conditions = " OR ".join(["a=:v"] * 150)  # 150 comparisons and 149 ORs: 299
    _limits(FilterExpression=f"{conditions} OR b")  # 300
    with pytest.raises(BadRequest, match="301 operators"):
        _limits(FilterExpression=f"{conditions} OR size(b)")


def test_the_set_clause_assignment_is_not_counted_as_an_operator() -> None:
    sums = ",".join(f"a{n}=:v+:v" for n in range(300))  # 300 additions
    _limits(UpdateExpression=f"SET {sums}")
    with pytest.raises(BadRequest, match="301 operators"):
        _limits(UpdateExpression=f"SET {sums}, b = if_not_exists(b, :v)")


def test_in_takes_at_most_100_operands() -> None:
    _limits(FilterExpression="a IN (" + ", ".join([":v"] * 100) + ")")
    with pytest.raises(BadRequest, match="101 operands"):
        _limits(ConditionExpression="a IN (" + ", ".join([":v"] * 101) + ")")


def test_a_placeholder_of_255_bytes_is_accepted_and_256_refused() -> None:
    expressions.check_limits({}, {"#" + "n" * 254: "a"}, {":" + "v" * 254: {"S": "x"}})
    with pytest.raises(BadRequest, match="256 bytes"):
        expressions.check_limits({}, {"#" + "n" * 255: "a"}, None)


def test_substitution_variables_over_2_mb_in_all_are_refused() -> None:
    values = {f":v{n}": {"S": "x" * 1024 * 1024} for n in range(2)}
    with pytest.raises(BadRequest, match="2 MB"):
        expressions.check_limits({}, None, values)
