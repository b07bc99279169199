"""The baseline: the classic bare handler, a boto3 Table resource built at import and a dict of operations.

It validates nothing, logs nothing and has one contract; it is what the function is measured against.
Shipped on its own into a code directory (``bare_handler.lambda_handler``), with boto3 from the runtime.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

import boto3

table = boto3.resource("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None).Table(
    os.environ.get("TABLE_NAME", "anything")
)

OPERATIONS = {
    "create": lambda payload: table.put_item(**payload),
    "read": lambda payload: table.get_item(**payload),
    "update": lambda payload: table.update_item(**payload),
    "delete": lambda payload: table.delete_item(**payload),
    "list": lambda payload: table.scan(**payload),
    "query": lambda payload: table.query(**payload),
}


def _number(value: Any) -> Any:
    """boto3 returns numbers as Decimal, which json cannot write."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run ``{"operation", "payload"}`` from the body on the table and answer DynamoDB's response."""
    body = json.loads(event["body"], parse_float=Decimal)
    result = OPERATIONS[body["operation"]](body.get("payload", {}))
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(result, default=_number),
    }
