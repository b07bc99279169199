"""The handler's own CPU per request, with DynamoDB stubbed at the client (no botocore, no network, no logs).

It isolates what the service's code costs from what botocore costs, so two source trees can be compared
request by request: ``python bench/own_cost.py --src /path/to/other/src`` beside ``--src src``. Prints the
median of 7 rounds of 300 requests per case, in µs, as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

ITEM = {
    "id": {"S": "1"},
    "organization": {"S": "Impacta"},
    "course": {"S": "Cloud Computing"},
    "students": {"N": "42"},
    "active": {"BOOL": True},
    "_version": {"N": "3"},
}
PLAIN = {"id": "1", "organization": "Impacta", "course": "Cloud Computing", "students": 42, "active": True}
ROUNDS, BATCH, WARMUP = 7, 300, 200


class StubClient:
    """DynamoDB's answers without botocore: what a successful call returns."""

    def get_item(self, **_params: Any) -> dict[str, Any]:
        """A stored item."""
        return {"Item": dict(ITEM)}

    def put_item(self, **_params: Any) -> dict[str, Any]:
        """An accepted write."""
        return {}

    def scan(self, **_params: Any) -> dict[str, Any]:
        """A page of 100 items."""
        return {"Items": [dict(ITEM, id={"S": f"item-{n}"}) for n in range(100)]}


def cases(event: Callable[[str, str, Any, list[tuple[str, str]]], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The requests timed: both contracts, plain and typed."""
    typed = {name: value for name, value in ITEM.items() if name != "_version"}

    def rpc(body: dict[str, Any]) -> dict[str, Any]:
        return event("POST", "/dynamodbmanager", body, [])

    return {
        "rpc read": rpc({"operation": "read", "payload": {"Key": {"id": "1"}}}),
        "rpc create": rpc({"operation": "create", "payload": {"Item": PLAIN}}),
        "GET /items/{id}": event("GET", "/items/1", None, []),
        "POST /items": event("POST", "/items", PLAIN, []),
        "GET /items?limit=100": event("GET", "/items", None, [("limit", "100")]),
        "rpc read, DynamoDB JSON": rpc(
            {"operation": "read", "format": "dynamodb", "payload": {"Key": {"id": {"S": "1"}}}}
        ),
        "rpc create, DynamoDB JSON": rpc({"operation": "create", "format": "dynamodb", "payload": {"Item": typed}}),
        "GET /items/{id}?format=dynamodb": event("GET", "/items/1", None, [("format", "dynamodb")]),
        "POST /items?format=dynamodb": event("POST", "/items", typed, [("format", "dynamodb")]),
    }


def main() -> None:
    """Time every case against the tree at ``--src``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", default="src", help="the source tree to import dynamodbmanager from (default: src)")
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    from aws_lambda_powertools import Logger, Metrics

    from dynamodbmanager.api.app import App
    from dynamodbmanager.config import Settings
    from dynamodbmanager.local.events import build_event
    from dynamodbmanager.store.table import ItemTable

    class Quiet(Metrics):
        """Metrics that neither collect nor print."""

        def add_metric(self, *_args: Any, **_kwargs: Any) -> None:
            """Nothing."""

        def add_dimension(self, *_args: Any, **_kwargs: Any) -> None:
            """Nothing."""

        def flush_metrics(self, *_args: Any, **_kwargs: Any) -> None:
            """Nothing."""

    def event(method: str, path: str, body: Any, query: list[tuple[str, str]]) -> dict[str, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = [("Content-Type", "application/json")]
        return build_event(method=method, path=path, headers=headers, query=query, body=raw, source_ip="203.0.113.10")

    logger = Logger(service="own-cost", stream=io.StringIO(), level="WARNING")
    app = App(Settings(cors_allowed_origins=("*",)), ItemTable(StubClient(), "anything"), logger, Quiet(namespace="x"))
    results: dict[str, float | str] = {}
    for name, template in cases(event).items():
        text = json.dumps(template)
        if (status := app.handle(json.loads(text))["statusCode"]) not in (200, 201):
            results[name] = f"answered {status}"  # a tree without the feature
            continue
        for _ in range(WARMUP):
            app.handle(json.loads(text))
        rounds = []
        for _ in range(ROUNDS):
            batch = [json.loads(text) for _ in range(BATCH)]
            started = time.process_time()
            for request in batch:
                app.handle(request)
            rounds.append((time.process_time() - started) / BATCH * 1e6)
        results[name] = round(statistics.median(rounds), 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
