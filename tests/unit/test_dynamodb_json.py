"""DynamoDB JSON from a client: every value DynamoDB accepts, and only those, as botocore's typed values."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamodbmanager import jsoncodec
from dynamodbmanager.api import formats
from dynamodbmanager.errors import BadRequest, PayloadTooLarge
from dynamodbmanager.store import dynamodb_json
from dynamodbmanager.store.attributes import MAX_ITEM_BYTES, check_item, deserialize, serialize

numbers = st.integers(-(10**37), 10**37).map(str) | st.decimals(
    allow_nan=False, allow_infinity=False, places=5, min_value=-(10**9), max_value=10**9
).map(lambda d: str(d.normalize()) if d else "0")
binaries = st.binary(max_size=8)
scalars = (
    st.text(max_size=8).map(lambda s: {"S": s})
    | numbers.map(lambda n: {"N": n})
    | binaries.map(lambda b: {"B": b})
    | st.booleans().map(lambda b: {"BOOL": b})
    | st.just({"NULL": True})
    | st.sets(st.text(max_size=5), min_size=1, max_size=4).map(lambda s: {"SS": sorted(s)})
    | st.sets(st.integers(-(10**6), 10**6), min_size=1, max_size=4).map(lambda s: {"NS": [str(n) for n in sorted(s)]})
    | st.sets(binaries, min_size=1, max_size=4).map(lambda s: {"BS": sorted(s)})
)
typed_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3).map(lambda items: {"L": items})
        | st.dictionaries(st.text(min_size=1, max_size=5), children, max_size=3).map(lambda m: {"M": m})
    ),
    max_leaves=12,
)
typed_items = st.dictionaries(st.text(min_size=1, max_size=8), typed_values, max_size=6).map(
    lambda item: {**item, "id": {"S": "k"}}
)


@given(typed_items)
def test_typed_items_round_trip_through_dynamodb_json(item: dict[str, Any]) -> None:
    wire = jsoncodec.dumps(item)
    assert dynamodb_json.item(jsoncodec.loads(wire)) == item
    assert formats.item_out(formats.item_in(jsoncodec.loads(wire), formats.DYNAMODB), formats.DYNAMODB) == item


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**37), 10**37) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=5), children),
    max_leaves=10,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), plain_values, max_size=5))
def test_plain_items_keep_their_exact_answers(item: dict[str, Any]) -> None:
    item = {**item, "id": "k"}
    answer = jsoncodec.dumps(formats.item_out(formats.item_in(item, formats.PLAIN), formats.PLAIN))
    assert answer == jsoncodec.dumps(deserialize(serialize(item)))
    assert jsoncodec.loads(answer) == item


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"SS": []}, "non-empty"),
        ({"NS": []}, "non-empty"),
        ({"SS": ["a", "a"]}, "repeats"),
        ({"NS": ["1", "1.00"]}, "repeats"),
        ({"BS": ["AA==", "AA=="]}, "repeats"),
        ({"NS": ["1", "x"]}, "number"),
        ({"NS": ["1" * 39]}, "38 significant digits"),
        ({"N": "1E+126"}, "range"),
        ({"N": "1E-131"}, "range"),
        ({"N": "1e9999999999999999999"}, "range"),
        ({"N": "NaN"}, "number"),
        ({"N": "1_000"}, "number"),
        ({"N": 1}, "number"),
        ({"B": "AAE"}, "base64"),
        ({"B": "AA-_"}, "base64"),
        ({"BS": ["AAE=", "%%"]}, "base64"),
        ({"NULL": False}, "NULL"),
        ({"BOOL": "true"}, "true or false"),
        ({"S": 1}, "string"),
        ({"S": "a", "N": "1"}, "one type"),
        ({}, "one type"),
        ("text", "one type"),
        ({"M": []}, "object"),
        ({"L": {}}, "list"),
        ({"DATE": "2020"}, "DynamoDB's types"),
    ],
)
def test_what_dynamodb_refuses_is_a_400_naming_the_attribute(typed: Any, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as refused:
        dynamodb_json.item({"id": {"S": "1"}, "attr": typed})
    assert "attr" in refused.value.message


def test_numbers_with_trailing_zeros_past_38_digits_are_normalised() -> None:
    assert dynamodb_json.number("1" + "0" * 40, "n") == "1E+40"
    assert dynamodb_json.number("-" + "9" * 38 + "00", "n") == "-9.9999999999999999999999999999999999999E+39"
    assert Decimal(dynamodb_json.number("1" + "0" * 40, "n")) == 10**40
    assert dynamodb_json.number("1.50", "n") == "1.50"


def test_plain_numbers_as_dynamodb_hands_them_out_are_accepted_back() -> None:
    assert serialize({"id": "1", "n": 10**40}) == {"id": {"S": "1"}, "n": {"N": "1E+40"}}
    assert serialize({"id": "1", "n": 10**38}) == {"id": {"S": "1"}, "n": {"N": "1E+38"}}
    with pytest.raises(BadRequest, match="38 significant digits"):
        serialize({"id": "1", "n": 10**38 + 1})


def test_binary_is_standard_base64_with_padding() -> None:
    raw = bytes(range(256))
    assert dynamodb_json.value({"B": base64.b64encode(raw).decode()}, "b") == {"B": raw}
    assert dynamodb_json.value({"B": ""}, "b") == {"B": b""}


def test_nesting_beyond_32_levels_is_refused() -> None:
    deep: dict[str, Any] = {"S": "leaf"}
    for _ in range(32):
        deep = {"L": [deep]}
    with pytest.raises(BadRequest, match="32 levels"):
        dynamodb_json.item({"id": {"S": "1"}, "deep": deep})


def test_item_size_counts_names_and_values_as_dynamodb_does() -> None:
    # "id" + "1", "n" + 3 significant digits (2 + 1 bytes), "l" + 3 + (1 + "ab"), the version's allowance.
    item: dict[str, dict[str, Any]] = {"id": {"S": "1"}, "n": {"N": "123"}, "l": {"L": [{"S": "ab"}]}}
    assert check_item(item) == 3 + 4 + 7 + len("_version") + 10
    assert check_item({**item, "_version": {"N": "12"}}) == 3 + 4 + 7 + len("_version") + 2
    sets: dict[str, dict[str, Any]] = {
        "ss": {"SS": ["ab", "c"]},
        "bs": {"BS": [b"\x00\x01"]},
        "ns": {"NS": ["100", "1.5"]},
    }
    assert check_item({"_version": {"N": "1"}, **sets}) == len("_version") + 2 + (2 + 3) + (2 + 2) + (2 + 2 + 2)


def test_an_item_at_the_limit_with_its_version_is_accepted_and_one_byte_more_is_a_413() -> None:
    fixed = len("id") + 1 + len("blob") + len("_version") + 10
    item: dict[str, dict[str, Any]] = {"id": {"S": "1"}, "blob": {"S": "x" * (MAX_ITEM_BYTES - fixed)}}
    assert check_item(item) == MAX_ITEM_BYTES
    with pytest.raises(PayloadTooLarge):
        check_item({**item, "blob": {"S": "x" * (MAX_ITEM_BYTES - fixed + 1)}})
