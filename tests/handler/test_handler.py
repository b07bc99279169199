"""The Lambda entry point fed with realistic API Gateway events of both payload formats."""

from __future__ import annotations

import copy
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator

EVENTS = Path(__file__).resolve().parent.parent / "events"
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def load_event(name: str) -> dict[str, Any]:
    """A copy of a stored API Gateway event."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return copy.deepcopy(event)


@pytest.fixture(scope="module")
def handler(emulator: Emulator) -> Iterator[Handler]:
    """``dynamodbmanager.handler.lambda_handler`` imported fresh with Lambda-like environment variables."""
    table = "handler_tests"
    emulator.ensure_table(table)
    patch = pytest.MonkeyPatch()
    for name, value in {
        **DUMMY_CREDENTIALS,
        "AWS_REGION": emulator.region,
        "TABLE_NAME": table,
        "DYNAMODB_ENDPOINT_URL": emulator.url,
        "CORS_ALLOWED_ORIGINS": "https://console.example.com",
        "POWERTOOLS_METRICS_NAMESPACE": "dynamodbmanager-tests",
    }.items():
        patch.setenv(name, value)
    sys.modules.pop("dynamodbmanager.handler", None)
    module = importlib.import_module("dynamodbmanager.handler")
    try:
        yield module.lambda_handler
    finally:
        sys.modules.pop("dynamodbmanager.handler", None)
        patch.undo()


def test_rest_api_v1_event_creates_an_item(handler: Handler) -> None:
    result = handler(load_event("rest_api_v1.json"), None)
    assert result["statusCode"] == 201
    assert result["headers"]["Location"] == "/dev/items/event-v1"
    assert result["headers"]["ETag"] == '"1"'
    assert result["headers"]["Access-Control-Allow-Origin"] == "https://console.example.com"
    assert result["isBase64Encoded"] is False
    assert "multiValueHeaders" in result
    assert result["body"] == (
        '{"id":"event-v1","organization":"Impacta","price":19.99,'
        '"big":12345678901234567890123456789012345678,"_version":1}'
    )


def test_http_api_v2_event_with_base64_body_puts_an_item(handler: Handler) -> None:
    result = handler(load_event("http_api_v2.json"), None)
    assert result["statusCode"] == 201
    assert result["headers"]["ETag"] == '"1"'
    assert "multiValueHeaders" not in result
    assert result["headers"]["X-Correlation-Id"] == "order-42"
    assert json.loads(result["body"]) == {
        "id": "event-v2",
        "organization": "Impacta",
        "tags": ["a", "b"],
        "ok": True,
        "_version": 1,
    }


def test_v2_get_of_a_missing_item_is_404_json(handler: Handler) -> None:
    event = load_event("http_api_v2.json")
    event["requestContext"]["http"]["method"] = "GET"
    event["rawPath"] = "/dev/items/never-written"
    event.pop("body")
    result = handler(event, None)
    assert result["statusCode"] == 404
    assert json.loads(result["body"]) == {"error": {"code": "NotFound", "message": "No item has id 'never-written'."}}


def test_v1_rpc_read_returns_dynamodbs_answer(handler: Handler) -> None:
    handler(load_event("rest_api_v1.json"), None)
    event = load_event("rest_api_v1.json")
    event["path"] = "/dynamodbmanager"
    event["requestContext"]["path"] = "/dev/dynamodbmanager"
    event["body"] = json.dumps({"operation": "read", "payload": {"Key": {"id": "event-v1"}}})
    result = handler(event, None)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["Item"]["organization"] == "Impacta"


def test_preflight_answers_with_the_routes_methods(handler: Handler) -> None:
    event = load_event("rest_api_v1.json")
    event["httpMethod"] = "OPTIONS"
    event["body"] = None
    result = handler(event, None)
    assert result["statusCode"] == 204
    assert result["headers"]["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS, POST"
    assert result["headers"]["Access-Control-Allow-Origin"] == "https://console.example.com"


class _BrokenClient:
    """A DynamoDB client with a bug of ours behind it."""

    def scan(self, **_params: Any) -> dict[str, Any]:
        raise RuntimeError("secret internal detail")


def test_an_unexpected_error_is_a_500_without_internals(capsys: pytest.CaptureFixture[str]) -> None:
    from aws_lambda_powertools import Logger, Metrics

    from dynamodbmanager.api.app import App
    from dynamodbmanager.config import Settings
    from dynamodbmanager.store.table import ItemTable

    # A service name no other test uses: Powertools keeps one handler per name, bound to the stdout of its first use.
    logger = Logger(service="handler-unexpected-error")
    app = App(Settings(), ItemTable(_BrokenClient(), "anything"), logger, Metrics(namespace="t"))
    event = load_event("rest_api_v1.json")
    event["httpMethod"] = "GET"
    event["body"] = None
    result = app.handle(event, None)
    assert result["statusCode"] == 500
    assert json.loads(result["body"])["error"]["code"] == "InternalError"
    assert "secret" not in result["body"]
    assert "Traceback" not in result["body"]
    error_line = next(line for line in capsys.readouterr().out.splitlines() if "Unhandled error" in line)
    assert json.loads(error_line)["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert "secret internal detail" in error_line
