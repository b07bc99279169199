"""How DynamoDB's failures reach the client: a client mistake is a 4xx, a dependency failure a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from dynamodbmanager.errors import BadRequest, DependencyFailed, ServiceError, ServiceUnavailable
from dynamodbmanager.store.client import BotocoreDynamoDB
from dynamodbmanager.store.failures import DynamoDBError, DynamoDBUnreachable
from dynamodbmanager.store.table import ConditionFailed, ItemTable, translate_client_error


def _client_error(code: str, **extra: Any) -> DynamoDBError:
    message = f"{code} happened"
    return DynamoDBError(code, message, {"Error": {"Code": code, "Message": message}, **extra})


@pytest.mark.parametrize(
    ("code", "kind", "status"),
    [
        ("ValidationException", BadRequest, 400),
        ("ProvisionedThroughputExceededException", ServiceUnavailable, 503),
        ("ThrottlingException", ServiceUnavailable, 503),
        ("RequestLimitExceeded", ServiceUnavailable, 503),
        ("InternalServerError", ServiceUnavailable, 503),
        ("ResourceNotFoundException", ServiceUnavailable, 503),
        ("AccessDeniedException", DependencyFailed, 502),
    ],
)
def test_client_errors_map_to_statuses(code: str, kind: type[ServiceError], status: int) -> None:
    error = translate_client_error(_client_error(code))
    assert isinstance(error, kind)
    assert error.status == status


def test_throttling_says_when_to_retry() -> None:
    error = translate_client_error(_client_error("ThrottlingException"))
    assert isinstance(error, ServiceUnavailable)
    assert error.headers() == {"Retry-After": "1"}


def test_conditional_check_failure_carries_the_old_item() -> None:
    error = translate_client_error(_client_error("ConditionalCheckFailedException", Item={"id": {"S": "1"}}))
    assert isinstance(error, ConditionFailed)
    assert error.old_item == {"id": {"S": "1"}}


class _FailingClient:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_item(self, **_params: Any) -> dict[str, Any]:
        raise self.error


def test_network_failures_are_503() -> None:
    table = ItemTable(_FailingClient(DynamoDBUnreachable("no answer")), "anything")
    with pytest.raises(ServiceUnavailable) as caught:
        table.get({"id": {"S": "1"}})
    assert caught.value.headers()["Retry-After"] == "1"


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:1"),
    ],
)
def test_botocores_network_failures_are_the_stores(error: Exception) -> None:
    client = BotocoreDynamoDB(_FailingClient(error))
    with pytest.raises(DynamoDBUnreachable):
        client.get_item(TableName="anything", Key={"id": {"S": "1"}})


def test_botocores_client_errors_keep_their_code_message_and_fields() -> None:
    response = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}, "Item": {"id": {"S": "1"}}}
    client = BotocoreDynamoDB(_FailingClient(ClientError(response, "GetItem")))
    with pytest.raises(DynamoDBError) as caught:
        client.get_item(TableName="anything", Key={"id": {"S": "1"}})
    assert (caught.value.code, caught.value.message) == ("ConditionalCheckFailedException", "no")
    assert caught.value.response["Item"] == {"id": {"S": "1"}}
    assert isinstance(translate_client_error(caught.value), ConditionFailed)
