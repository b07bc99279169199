"""Exact JSON: numbers survive the round trip, NaN and deep nesting are client errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamodbmanager import jsoncodec
from dynamodbmanager.errors import BadRequest

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)
    | st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_any_value_round_trips_exactly(value: Any) -> None:
    assert jsoncodec.loads(jsoncodec.dumps(value)) == value


def test_38_digit_integer_and_long_decimal_keep_every_digit() -> None:
    text = '{"big":12345678901234567890123456789012345678,"small":0.1000000000000000000000000000000000001}'
    assert jsoncodec.dumps(jsoncodec.loads(text)) == text


def test_decimal_without_float_noise() -> None:
    assert jsoncodec.dumps({"price": Decimal("19.99")}) == '{"price":19.99}'


def test_booleans_stay_booleans() -> None:
    assert jsoncodec.dumps(jsoncodec.loads('{"a":true,"b":false,"c":1}')) == '{"a":true,"b":false,"c":1}'


@pytest.mark.parametrize("text", ['{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}'])
def test_non_finite_numbers_are_refused(text: str) -> None:
    with pytest.raises(BadRequest, match="finite"):
        jsoncodec.loads(text)


def test_deep_nesting_is_a_client_error() -> None:
    with pytest.raises(BadRequest) as caught:
        jsoncodec.loads("[" * 100_000 + "]" * 100_000)
    assert caught.value.code == "InvalidJson"


def test_invalid_utf8_is_a_client_error() -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        jsoncodec.loads(b'{"a": "\xff"}')


def test_malformed_json_names_the_position() -> None:
    with pytest.raises(BadRequest, match="line 1 column"):
        jsoncodec.loads('{"a": ')
