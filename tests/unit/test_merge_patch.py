"""JSON Merge Patch (RFC 7386), checked on the RFC's examples and on generated documents."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamodbmanager.api.merge_patch import apply, apply_plain, apply_typed

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=12,
)


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_rfc_7386_examples(target: Any, patch: Any, result: Any) -> None:
    assert apply(target, patch) == result


@given(documents, st.dictionaries(st.text(max_size=3), documents, max_size=4))
def test_applying_a_patch_twice_changes_nothing_more(target: Any, patch: dict[str, Any]) -> None:
    once = apply(target, patch)
    assert apply(once, patch) == once


@given(st.dictionaries(st.text(max_size=3), documents, max_size=4), st.text(max_size=3))
def test_null_removes_and_nothing_else_changes(target: dict[str, Any], name: str) -> None:
    patched = apply(target, {name: None})
    assert name not in patched
    assert {k: v for k, v in target.items() if k != name} == patched


def test_a_plain_patch_leaves_every_attribute_it_does_not_name_exactly_as_it_was() -> None:
    item: dict[str, dict[str, Any]] = {
        "id": {"S": "1"},
        "tags": {"SS": ["a", "b"]},
        "blob": {"B": b"\x00"},
        "m": {"M": {"ns": {"NS": ["1"]}, "keep": {"BS": [b"\x01"]}, "drop": {"S": "x"}}},
    }
    patched = apply_plain(item, {"m": {"drop": None, "new": [1, "a"]}, "x": True, "blob": None})
    assert patched == {
        "id": {"S": "1"},
        "tags": {"SS": ["a", "b"]},
        "m": {"M": {"ns": {"NS": ["1"]}, "keep": {"BS": [b"\x01"]}, "new": {"L": [{"N": "1"}, {"S": "a"}]}}},
        "x": {"BOOL": True},
    }


def test_a_typed_patch_sets_typed_values_and_null_removes() -> None:
    item: dict[str, dict[str, Any]] = {"id": {"S": "1"}, "tags": {"SS": ["a"]}, "n": {"N": "1"}}
    assert apply_typed(item, {"tags": {"SS": ["z"]}, "n": None, "b": {"B": "AAE="}}) == {
        "id": {"S": "1"},
        "tags": {"SS": ["z"]},
        "b": {"B": b"\x00\x01"},
    }
