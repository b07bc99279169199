"""Generated JSON bodies against both contracts: never a 5xx, and every answer is JSON.

They run on dynalite, which judges a generated expression as DynamoDB does; moto answers some with HTTP 500.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.transports import Exchange, Request, over_http

if TYPE_CHECKING:
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
#: Any Unicode, lone surrogates included (json.dumps escapes them as \udxxx).
text = st.text(max_size=12)
ids = st.one_of(st.sampled_from(["fuzz-1", "fuzz-2", "fuzz-3"]), text)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=10,
)
items = st.builds(lambda item_id, rest: {**rest, "id": item_id}, ids, st.dictionaries(text, values, max_size=4))
PARAMETERS = (
    "Item",
    "Key",
    "ConditionExpression",
    "UpdateExpression",
    "FilterExpression",
    "ProjectionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "AttributeUpdates",
    "ReturnValues",
    "ConsistentRead",
    "Limit",
    "ExclusiveStartKey",
    "TableName",
    "Segment",
)
parameter_values = st.one_of(
    values,
    items,
    st.builds(lambda item_id: {"id": item_id}, ids),
    st.sampled_from(["SET #a = :v", "REMOVE a", "attribute_exists(id)", "ALL_NEW", "ALL_OLD", "a, #b"]),
    st.dictionaries(st.sampled_from(["#a", ":v", "#b", ":w", "a"]), values, max_size=3),
    st.integers(min_value=-2, max_value=2000),
)
payloads = st.dictionaries(st.one_of(st.sampled_from(PARAMETERS), text), parameter_values, max_size=5)
operations = st.one_of(st.sampled_from(["create", "read", "update", "delete", "list"]), values)
envelopes = st.one_of(
    st.builds(lambda op, payload: {"operation": op, "payload": payload}, operations, payloads),
    st.builds(lambda op: {"operation": op}, operations),
    values,
)


def _assert_sane(exchange: Exchange) -> None:
    """No 5xx, and a body (if any) that is strict JSON."""
    assert exchange.status < 500, exchange.body[:500]
    if exchange.body:
        assert exchange.headers.get("content-type", "").startswith("application/json")
        exchange.json()


def _send(stack: RunningStack, method: str, path: str, value: Any, content_type: str = "application/json") -> Exchange:
    body = json.dumps(value).encode()
    return over_http(stack.url, Request(method, path, headers=(("Content-Type", content_type),), body=body))


@FUZZ
@given(envelope=envelopes)
def test_rpc_never_fails_with_a_5xx(dynalite_reliability_stack: RunningStack, envelope: Any) -> None:
    _assert_sane(_send(dynalite_reliability_stack, "POST", "/dynamodbmanager", envelope))


@FUZZ
@given(
    request=st.one_of(
        st.tuples(st.just("POST"), st.just("/items"), st.one_of(items, values)),
        st.tuples(st.just("PUT"), st.sampled_from(["/items/fuzz-1", "/items/fuzz-2"]), st.one_of(items, values)),
        st.tuples(st.just("PATCH"), st.sampled_from(["/items/fuzz-1", "/items/fuzz-3"]), values),
    ),
    merge_patch=st.booleans(),
)
def test_rest_never_fails_with_a_5xx(
    dynalite_reliability_stack: RunningStack, request: tuple[str, str, Any], merge_patch: bool
) -> None:
    method, path, value = request
    content_type = "application/merge-patch+json" if merge_patch and method == "PATCH" else "application/json"
    _assert_sane(_send(dynalite_reliability_stack, method, path, value, content_type))
