"""Regressions found by the hostile corpus, fuzzing and schemathesis, pinned at the layer that had each bug."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dynamodbmanager import jsoncodec
from dynamodbmanager.api.items import ItemsApi, _parse_limit
from dynamodbmanager.api.rpc import RpcApi
from dynamodbmanager.errors import BadRequest, Conflict
from dynamodbmanager.http.request import Request
from dynamodbmanager.http.response import error_response
from dynamodbmanager.store.attributes import deserialize
from dynamodbmanager.store.failures import DynamoDBError
from dynamodbmanager.store.table import ItemTable


def test_a_utf16_body_is_refused_not_guessed() -> None:
    with pytest.raises(BadRequest) as refused:
        jsoncodec.loads('{"operation": "list"}'.encode("utf-16"))
    assert refused.value.code == "InvalidJson"


def test_an_integer_of_5000_digits_is_a_400_not_a_crash() -> None:
    with pytest.raises(BadRequest) as refused:
        jsoncodec.loads('{"n": ' + "1" * 5000 + "}")
    assert refused.value.code == "ValidationError"


@pytest.mark.parametrize("raw", ["\u00b2", "\u0661", "1" * 5000, "0" * 5 + "1"])
def test_limit_takes_only_a_short_ascii_number(raw: str) -> None:
    with pytest.raises(BadRequest) as refused:
        _parse_limit(raw)
    assert refused.value.code == "InvalidLimit"


class _RefusingClient:
    """A DynamoDB client whose every DeleteItem fails its condition."""

    def delete_item(self, **_params: Any) -> dict[str, Any]:
        raise DynamoDBError("ConditionalCheckFailedException", "The conditional request failed")


def test_rpc_delete_whose_condition_fails_is_a_409() -> None:
    rpc = RpcApi(ItemTable(_RefusingClient(), "anything"))
    with pytest.raises(Conflict) as refused:
        rpc.delete({"Key": {"id": "1"}, "ConditionExpression": "attribute_not_exists(id)"})
    assert refused.value.code == "ConditionalCheckFailed"


@pytest.mark.parametrize("item_id", ["a/b", "..", "."])
def test_post_refuses_an_id_that_no_member_route_can_address(item_id: str) -> None:
    items = ItemsApi(ItemTable(object(), "anything"), b"key")
    body = b'{"id": "%s"}' % item_id.encode()
    request = Request("POST", "/items", headers={"content-type": "application/json"}, body=body)
    with pytest.raises(BadRequest) as refused:
        items.create(request, {})
    assert refused.value.code == "InvalidKey"


def test_an_error_quoting_a_lone_surrogate_is_still_utf8() -> None:
    response = error_response(400, "ValidationError", "Unknown member '\ud800'.")
    assert response.body.encode("utf-8") == b'{"error":{"code":"ValidationError","message":"Unknown member \'?\'."}}'


def test_a_number_dynamodb_writes_out_in_full_reads_back_exactly() -> None:
    # Stored as 1E+40, DynamoDB answers it digit for digit: 41 digits, one of them significant.
    typed = {"n": {"N": "1" + "0" * 40}, "s": {"NS": ["-" + "9" * 38 + "00", "1"]}}
    assert deserialize(typed) == {"n": Decimal("1E+40"), "s": {Decimal("-" + "9" * 38 + "00"), Decimal(1)}}
