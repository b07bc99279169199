"""The item (de)serialisation gives exactly what boto3's TypeSerializer and TypeDeserializer give.

The function does its own so that it need not import boto3 at cold start; boto3 stays the reference.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from dynamodbmanager.store.attributes import deserialize, serialize, serialize_value

numbers = (
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)
    | st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20)
    | st.sampled_from([Decimal("1E+125"), Decimal("-1E-130"), Decimal("0.000"), Decimal("-0"), Decimal("1.50")])
)
scalars = st.none() | st.booleans() | numbers | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=6), children, max_size=4)
    ),
    max_leaves=16,
)
items = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=6).map(lambda item: {**item, "id": "k"})
typed_sets = (
    st.sets(st.text(max_size=6), min_size=1, max_size=4).map(lambda s: {"SS": sorted(s)})
    | st.sets(st.integers(-(10**6), 10**6), min_size=1, max_size=4).map(lambda s: {"NS": [str(n) for n in s]})
    | st.sets(st.binary(max_size=6), min_size=1, max_size=4).map(lambda s: {"BS": sorted(s)})
    | st.binary(max_size=8).map(lambda b: {"B": b})
)


@given(items)
def test_serialize_matches_boto3(item: dict[str, Any]) -> None:
    reference = TypeSerializer()
    assert serialize(item) == {name: reference.serialize(value) for name, value in item.items()}


@given(items)
def test_deserialize_matches_boto3(item: dict[str, Any]) -> None:
    typed = serialize(item)
    reference = TypeDeserializer()
    assert deserialize(typed) == {name: reference.deserialize(value) for name, value in typed.items()}


@given(typed_sets)
def test_sets_and_binary_read_back_as_boto3_reads_them(typed: dict[str, Any]) -> None:
    ours = deserialize({"a": typed})["a"]
    assert ours == TypeDeserializer().deserialize(typed)
    assert serialize_value(ours, "a") == TypeSerializer().serialize(ours)


@pytest.mark.parametrize(
    "value",
    [b"\x00\x01", bytearray(b"ab"), {"x", "y"}, {Decimal(1), 2}, {b"a"}, (1, "a")],
    ids=["bytes", "bytearray", "string set", "number set", "binary set", "tuple"],
)
def test_types_json_never_produces_are_typed_as_boto3_types_them(value: Any) -> None:
    ours, reference = serialize_value(value, "v"), TypeSerializer().serialize(value)
    assert set(ours) == set(reference)
    kind = next(iter(ours))
    if kind in ("SS", "NS", "BS"):
        assert sorted(ours[kind]) == sorted(reference[kind])
    elif kind == "B":
        assert bytes(ours["B"]) == bytes(reference["B"].value if isinstance(reference["B"], Binary) else reference["B"])
    else:
        assert ours == reference


@pytest.mark.parametrize("value", [1.5, object(), {1, "a"}])
def test_what_boto3_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        TypeSerializer().serialize(value)
    with pytest.raises(Exception, match="cannot be stored"):
        serialize_value(value, "v")
