"""What the benchmark asks of each handler: API Gateway events, DynamoDB's canned answers, items to seed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dynamodbmanager.local.events import build_event

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ROOT / "payloads"
#: Items a list returns, as the issue's "list of 100 items".
LIST_SIZE = 100
#: Headers a browser or curl call carries through API Gateway (it adds the X-* ones).
GATEWAY_HEADERS = [
    ("Accept", "application/json"),
    ("Host", "abc123.execute-api.us-east-1.amazonaws.com"),
    ("User-Agent", "curl/8.5.0"),
    ("X-Amzn-Trace-Id", "Root=1-6566e4b2-0f2a1b3c4d5e6f7a8b9c0d1e"),
    ("X-Forwarded-For", "203.0.113.10"),
    ("X-Forwarded-Port", "443"),
    ("X-Forwarded-Proto", "https"),
    ("x-api-key", "bench-api-key"),
]
#: The five operations of the RPC contract, in the order a run exercises them.
OPERATIONS = ("create", "read", "update", "list", "delete")


@dataclass(frozen=True)
class Case:
    """One request to time: its name, the API Gateway event, and the baseline operation it compares with."""

    name: str
    event: dict[str, Any]
    baseline: str | None
    #: Run with the app's logger and metrics replaced by ones that do nothing.
    silent: bool = False


def item(item_id: str, version: int | None = None) -> dict[str, Any]:
    """A plain item like the ones in ``payloads/``."""
    plain: dict[str, Any] = {
        "id": item_id,
        "organization": "Impacta",
        "course": "Cloud Computing",
        "students": 42,
        "active": True,
    }
    if version is not None:
        plain["_version"] = version
    return plain


def typed_item(item_id: str) -> dict[str, Any]:
    """The same item as DynamoDB sends it, at version 3."""
    return {
        "id": {"S": item_id},
        "organization": {"S": "Impacta"},
        "course": {"S": "Cloud Computing"},
        "students": {"N": "42"},
        "active": {"BOOL": True},
        "_version": {"N": "3"},
    }


def rpc_body(operation: str, item_id: str = "1") -> dict[str, Any]:
    """The ``payloads/`` request of ``operation`` for ``item_id``; list asks for a page of LIST_SIZE."""
    body: dict[str, Any] = json.loads((PAYLOADS / f"{operation}.json").read_text(encoding="utf-8"))
    payload = body["payload"]
    if "Item" in payload:
        payload["Item"]["id"] = item_id
    if "Key" in payload:
        payload["Key"]["id"] = item_id
    if operation == "list":
        payload["Limit"] = LIST_SIZE
    return body


def event(method: str, path: str, body: Any = None, headers: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The REST API proxy event (payload format 1.0) API Gateway sends for this call under stage ``dev``."""
    raw = b"" if body is None else json.dumps(body).encode()
    all_headers = list(GATEWAY_HEADERS)
    if body is not None:
        all_headers.append(("Content-Type", "application/json"))
    all_headers += headers or []
    path, _, query = path.partition("?")
    pairs = [(name, value) for name, _, value in (part.partition("=") for part in query.split("&") if part)]
    return build_event(
        method=method,
        path=f"/dev{path}",
        headers=all_headers,
        query=pairs,
        body=raw,
        source_ip="203.0.113.10",
    )


#: A page of one partition, as the baseline and the service both ask DynamoDB for it.
QUERY_BODY = {
    "operation": "query",
    "payload": {"KeyConditionExpression": "id = :id", "ExpressionAttributeValues": {":id": "1"}, "Limit": LIST_SIZE},
}


def rpc_cases() -> list[Case]:
    """The RPC operations, the same events for our handler and the baseline."""
    cases = [Case(f"rpc {op}", event("POST", "/dynamodbmanager", rpc_body(op)), op) for op in OPERATIONS]
    return [*cases, Case("rpc query", event("POST", "/dynamodbmanager", QUERY_BODY), "query")]


def silent_cases() -> list[Case]:
    """Create and read without the log line and EMF metrics: what Powertools Logger and Metrics cost."""
    return [
        Case(f"rpc {op}, no logs or metrics", event("POST", "/dynamodbmanager", rpc_body(op)), op, silent=True)
        for op in ("create", "read")
    ]


def rest_cases() -> list[Case]:
    """Every REST route, each compared with the baseline operation that does the same to the table."""
    member = "/items/1"
    return [
        Case("POST /items", event("POST", "/items", item("1")), "create"),
        Case("GET /items/{id}", event("GET", member), "read"),
        Case("PUT /items/{id}", event("PUT", member, item("1")), "create"),
        Case("PATCH /items/{id}", event("PATCH", member, {"course": "Serverless"}), "update"),
        Case("DELETE /items/{id}", event("DELETE", member), "delete"),
        Case(f"GET /items?limit={LIST_SIZE}", event("GET", f"/items?limit={LIST_SIZE}"), "list"),
        Case("GET /health", event("GET", "/health"), None),
    ]


def typed_cases() -> list[Case]:
    """The same requests in DynamoDB JSON (``format=dynamodb``), beside the plain ones."""
    typed_body = {name: value for name, value in typed_item("1").items() if name != "_version"}
    rpc_create = {"operation": "create", "format": "dynamodb", "payload": {"Item": typed_body}}
    rpc_read = {"operation": "read", "format": "dynamodb", "payload": {"Key": {"id": {"S": "1"}}}}
    return [
        Case("rpc create, DynamoDB JSON", event("POST", "/dynamodbmanager", rpc_create), "create"),
        Case("rpc read, DynamoDB JSON", event("POST", "/dynamodbmanager", rpc_read), "read"),
        Case("POST /items?format=dynamodb", event("POST", "/items?format=dynamodb", typed_body), "create"),
        Case("GET /items/{id}?format=dynamodb", event("GET", "/items/1?format=dynamodb"), "read"),
        Case(
            f"GET /items?limit={LIST_SIZE}&format=dynamodb",
            event("GET", f"/items?limit={LIST_SIZE}&format=dynamodb"),
            "list",
        ),
    ]


def canned_answers() -> dict[str, str]:
    """DynamoDB's response body for each operation: what a successful call returns."""
    page = [typed_item(f"item-{index:04d}") for index in range(LIST_SIZE)]
    return {
        "PutItem": "{}",
        "GetItem": json.dumps({"Item": typed_item("1")}),
        "UpdateItem": json.dumps({"Attributes": typed_item("1")}),
        "DeleteItem": "{}",
        "Query": json.dumps({"Items": page, "Count": LIST_SIZE, "ScannedCount": LIST_SIZE}),
        "Scan": json.dumps(
            {"Items": page, "Count": LIST_SIZE, "ScannedCount": LIST_SIZE, "LastEvaluatedKey": {"id": page[-1]["id"]}}
        ),
    }
