"""The table's shape: the one source of truth for its key and the server-managed version attribute.

The local stack creates its tables from these definitions and the Terraform test checks that the
applied configuration declares the same ones.
"""

from __future__ import annotations

from typing import Any

#: The partition key of the items table (a string).
KEY_ATTRIBUTE = "id"
#: The partition key's DynamoDB type: S (string), N (number) or B (binary).
KEY_TYPE = "S"
#: The attribute that holds each item's version: a number the service increments on every write.
VERSION_ATTRIBUTE = "_version"
#: The partition key of the idempotency table (AWS Lambda Powertools' default).
IDEMPOTENCY_KEY_ATTRIBUTE = "id"
#: The idempotency table's TTL attribute (Powertools' default): DynamoDB drops a record once it has expired.
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


def items_table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable parameters for the items table: what the Terraform declares, in DynamoDB's words."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [{"AttributeName": KEY_ATTRIBUTE, "AttributeType": KEY_TYPE}],
        "KeySchema": [{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def idempotency_table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable parameters for the idempotency table of Powertools' DynamoDB persistence layer."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [{"AttributeName": IDEMPOTENCY_KEY_ATTRIBUTE, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": IDEMPOTENCY_KEY_ATTRIBUTE, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
