"""The app's log lines and EMF documents are the same whichever telemetry writes them, request for request."""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any

import pytest

from dynamodbmanager.api.app import App
from dynamodbmanager.config import Settings
from dynamodbmanager.store.failures import DynamoDBError
from dynamodbmanager.store.table import ItemTable
from dynamodbmanager.telemetry.logger import Logger as LeanLogger
from dynamodbmanager.telemetry.metrics import Metrics as LeanMetrics

ITEM = {"id": {"S": "1"}, "name": {"S": "Ada ✓"}, "_version": {"N": "2"}}
#: Values that differ between two runs of the same request: when, and how long it took.
_VARYING = re.compile(r'("timestamp":"[^"]*"|"Timestamp":\d+|"latency_ms":[\d.e-]+|"Latency":\[[\d.e-]+\])')


class _Table:
    """DynamoDB answering every read with ITEM and failing every scan with a bug of ours."""

    def get_item(self, **_params: Any) -> dict[str, Any]:
        return {"Item": ITEM}

    def put_item(self, **_params: Any) -> dict[str, Any]:
        raise DynamoDBError("ConditionalCheckFailedException", "The conditional request failed", {"Item": ITEM})

    def scan(self, **_params: Any) -> dict[str, Any]:
        raise RuntimeError("a bug")


def _event(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path}, "requestId": f"req-{method}-{len(path)}"},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


REQUESTS = [
    _event("GET", "/health"),
    _event("POST", "/dynamodbmanager", {"operation": "read", "payload": {"Key": {"id": "1"}}}),
    _event("GET", "/items/1", headers={"x-correlation-id": "trace-me"}),
    _event("POST", "/items", {"id": "1", "name": "Ada"}),
    _event("POST", "/dynamodbmanager", {"operation": "nope"}),
    _event("GET", "/items"),
    _event("DELETE", "/nowhere"),
]


def _lines(kind: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What the app writes for REQUESTS with ``kind``'s logger and metrics, the varying values blanked."""
    service = f"parity-{uuid.uuid4().hex[:8]}"  # Powertools keeps one logging.Logger per service name
    stream = io.StringIO()
    logger: Any
    metrics: Any
    if kind == "powertools":
        from aws_lambda_powertools import Logger, Metrics

        logger, metrics = Logger(service=service, stream=stream), Metrics(namespace="parity", service=service)
    else:
        logger, metrics = LeanLogger(service=service, stream=stream), LeanMetrics(namespace="parity", service=service)
    app = App(Settings(cursor_signing_key=b"k"), ItemTable(_Table(), "anything"), logger, metrics)
    capsys.readouterr()
    for event in REQUESTS:
        app.handle(event)
    written = stream.getvalue() + capsys.readouterr().out
    return [_VARYING.sub(lambda found: found.group(0).split(":")[0] + ':"_"', line) for line in written.splitlines()]


def test_lean_and_powertools_write_the_same_lines_for_the_same_requests(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    lean = _lines("lean", capsys)
    powertools = _lines("powertools", capsys)
    # The service name differs by design (one per logger); everything else must match byte for byte.
    strip = re.compile(r"parity-[0-9a-f]{8}")
    assert [strip.sub("parity", line) for line in lean] == [strip.sub("parity", line) for line in powertools]
    documents = [json.loads(line) for line in lean]
    requests = [d for d in documents if d.get("message") == "request"]
    assert len(requests) == len(REQUESTS)
    assert [d["cold_start"] for d in requests] == [True] + [False] * (len(REQUESTS) - 1)
    assert any(d.get("message") == "Unhandled error" and "stack_trace" in d for d in documents)
    assert sum("_aws" in d for d in documents) == len(REQUESTS)
