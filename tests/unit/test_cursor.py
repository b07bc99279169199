"""List cursors: opaque and URL-safe, and a garbled, truncated or tampered one is a 400."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store import cursor

KEY = b"signing-key"


@given(st.text(min_size=1, max_size=200))
def test_any_key_round_trips_in_a_url_safe_cursor(item_id: str) -> None:
    start = {"id": {"S": item_id}}
    encoded = cursor.encode(start, KEY)
    assert set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert cursor.decode(encoded, KEY) == start


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-3],
        lambda c: c.replace(".", ""),
        lambda c: "x" + c,
        lambda c: c + "..",
        lambda c: "%%%." + c.split(".")[1],
        lambda c: c.split(".")[0] + ".AAAA",
        lambda c: "A" * 5000,
    ],
)
def test_a_garbled_cursor_is_refused(mangle: object) -> None:
    good = cursor.encode({"id": {"S": "42"}}, KEY)
    with pytest.raises(BadRequest) as caught:
        cursor.decode(mangle(good), KEY)  # type: ignore[operator]
    assert caught.value.code == "InvalidCursor"


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    with pytest.raises(BadRequest):
        cursor.decode(cursor.encode({"id": {"S": "1"}}, b"other"), KEY)


@pytest.mark.parametrize(
    "start",
    [
        {"id": {"S": "中" * 682 + "x"}},
        {"id": {"S": "\U0001f600" * 512}},
        {"id": {"B": bytes(range(256)) * 8}},
        {"id": {"N": "-1.2345678901234567890123456789012345678E+125"}},
        {"pk": {"B": b"\xff" * 2048}, "sk": {"S": "é" * 512}},
    ],
    ids=["cjk", "emoji", "binary", "number", "largest-composite"],
)
def test_the_largest_keys_dynamodb_allows_round_trip_in_a_short_cursor(start: dict[str, dict[str, object]]) -> None:
    schema = {name: next(iter(typed)) for name, typed in start.items()}
    encoded = cursor.encode(start, KEY)
    assert len(encoded) < 4400
    assert cursor.decode(encoded, KEY, schema) == start


def test_a_cursor_for_another_key_schema_is_refused() -> None:
    encoded = cursor.encode({"id": {"N": "1"}}, KEY)
    with pytest.raises(BadRequest):
        cursor.decode(encoded, KEY)
