"""How a DynamoDB call fails, whichever client made it: the store translates these and nothing else.

The lean client raises them itself; the botocore client's errors are turned into them by its adapter, so
no layer above the client imports botocore.
"""

from __future__ import annotations

from typing import Any


class DynamoDBError(Exception):
    """DynamoDB answered with an error.

    ``response`` has botocore's ``ClientError.response`` shape: ``{"Error": {"Code", "Message"}}`` plus the
    error's other fields (``Item`` of a failed condition, ``CancellationReasons`` of a cancelled transaction).
    """

    def __init__(self, code: str, message: str, response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.response: dict[str, Any] = response or {"Error": {"Code": code, "Message": message}}


class DynamoDBUnreachable(Exception):
    """DynamoDB could not be reached, or did not answer in time, on every attempt."""
