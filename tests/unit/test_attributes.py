"""Items against DynamoDB's limits, and plain values to typed attribute values and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamodbmanager.errors import BadRequest, PayloadTooLarge
from dynamodbmanager.store.attributes import (
    MAX_ITEM_BYTES,
    check_key_value,
    deserialize,
    item_size,
    serialize,
)

numbers = st.integers(min_value=-(10**37), max_value=10**37) | st.decimals(
    allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12
)
values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
items = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=5).map(lambda item: {**item, "id": "k"})


@given(items)
def test_items_round_trip_through_typed_values(item: dict[str, Any]) -> None:
    assert deserialize(serialize(item)) == item


def test_an_item_over_400_kb_is_refused_naming_the_limit() -> None:
    with pytest.raises(PayloadTooLarge, match="400 KB") as caught:
        item_size({"id": "1", "blob": "x" * MAX_ITEM_BYTES})
    assert caught.value.code == "ItemTooLarge"


def test_a_39_digit_number_is_refused() -> None:
    with pytest.raises(BadRequest, match="38 significant digits"):
        serialize({"id": "1", "n": 10**38 + 1})


def test_an_out_of_range_number_is_refused() -> None:
    with pytest.raises(BadRequest, match="range"):
        serialize({"id": "1", "n": Decimal("1E+200")})


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(BadRequest, match="surrogate"):
        item_size({"id": "1", "s": "\ud800"})


def test_an_empty_attribute_name_is_refused() -> None:
    with pytest.raises(BadRequest, match="empty attribute name"):
        item_size({"id": "1", "m": {"": 1}})


@pytest.mark.parametrize(
    ("value", "message"),
    [(1, "must be a string"), ("", "must not be empty"), ("x" * 2049, "2048"), (None, "must be a string")],
)
def test_bad_keys_are_refused(value: Any, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as caught:
        check_key_value(value, "id")
    assert caught.value.code == "InvalidKey"


def test_a_2048_byte_key_is_accepted() -> None:
    assert check_key_value("é" * 1024, "id") == "é" * 1024
