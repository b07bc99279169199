"""Hostile and malformed requests: the expected 4xx with a stable JSON error, no internals, and the table unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.httpclient import call
from tests.reliability.conftest import TABLE
from tests.reliability.corpus import SEEDS, Case, build
from tests.reliability.transports import HTTP, Exchange, over_http, to_app

if TYPE_CHECKING:
    from dynamodbmanager.api.app import App
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
CASES = build(TABLE)
#: What must never reach a client: stack traces, module and library names, local paths.
INTERNALS = (
    "Traceback",
    'File "',
    ".py",
    "botocore",
    "boto3",
    "moto",
    "werkzeug",
    "dynamodbmanager.",
    "aws_lambda_powertools",
    "ClientError",
    "KeyError",
    "TypeError",
    "ValueError",
    "AttributeError",
    "RecursionError",
    "UnicodeDecodeError",
    "/tmp/",
    "/work/",
    "127.0.0.1",
)


def test_the_corpus_is_large_and_each_case_named_once() -> None:
    assert len(CASES) >= 80
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def seeded(reliability_stack: RunningStack) -> RunningStack:
    """The reliability table with the seed items in it (created through the API, so they carry versions)."""
    for item_id, item in SEEDS.items():
        reply = call("PUT", f"{reliability_stack.url}/items/{item_id}", dict(item))
        assert reply.status in (200, 201), reply.body
    return reliability_stack


@pytest.fixture(scope="module")
def table_scan(seeded: RunningStack) -> Callable[[], list[dict[str, Any]]]:
    """A full, consistent scan of the table, sorted by id, like ``RunningStack.scan_all`` on one reused client."""
    client = seeded.emulator.client("dynamodb")

    def scan() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=seeded.table_name, ConsistentRead=True):
            items.extend(page["Items"])
        return sorted(items, key=lambda item: str(item["id"]))

    return scan


def _error_code(exchange: Exchange) -> str:
    """Our stable error code, or API Gateway's message for the answers it gives itself."""
    body = exchange.json()
    assert isinstance(body, dict), body
    if "error" in body:
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message"}
        assert isinstance(body["error"]["message"], str)
        assert body["error"]["message"]
        code: str = body["error"]["code"]
        return code
    assert set(body) == {"message"}, body
    message: str = body["message"]
    return message


def _check(case: Case, transport: str, exchange: Exchange, emulator_port: int) -> None:
    status, code = case.expected(transport)
    assert exchange.status == status, exchange.body[:300]
    assert 400 <= exchange.status < 500
    assert exchange.headers.get("content-type", "").startswith("application/json")
    assert _error_code(exchange) == code
    text = exchange.body.decode("utf-8")
    for internal in (*INTERNALS, str(emulator_port)):
        assert internal not in text, f"{internal!r} leaked: {text[:300]}"
    for name, value in exchange.raw_headers:
        assert "\r" not in value, (name, value)
        assert "\n" not in value, (name, value)
        assert name.lower() != "set-cookie", (name, value)
        assert "injected" not in value, (name, value)


@pytest.mark.parametrize(
    ("case", "transport"),
    [pytest.param(case, transport, id=f"{transport}-{case.name}") for case in CASES for transport in case.transports],
)
def test_hostile_request_is_refused_and_changes_nothing(
    case: Case, transport: str, seeded: RunningStack, direct_app: App, table_scan: Callable[[], list[dict[str, Any]]]
) -> None:
    before = table_scan()
    exchange = over_http(seeded.url, case.request) if transport == HTTP else to_app(direct_app, case.request, transport)
    _check(case, transport, exchange, seeded.emulator.port)
    assert table_scan() == before
