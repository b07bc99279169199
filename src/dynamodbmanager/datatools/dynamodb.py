"""Direct access to a DynamoDB endpoint for the data tools: a parallel scan (of the table or an index), batched writes.

Used by ``export --direct`` and ``import --direct`` to move a whole table without going through the
function: faster, and versions are kept as they are (a restore puts back exactly what was exported).
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from dynamodbmanager.datatools.retry import backoff
from dynamodbmanager.datatools.segments import read_segments

#: DynamoDB's limit on the number of put requests in one BatchWriteItem call.
BATCH_LIMIT = 25
#: Attempts of one batch whose items keep coming back unprocessed (throttling), before giving up.
MAX_BATCH_ATTEMPTS = 8
#: Credentials for an emulator on this machine when none are configured (emulators accept any).
EMULATOR_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class BatchFailed(Exception):
    """A batch still had unprocessed items after every attempt, or DynamoDB could not be reached."""


def _is_loopback(url: str | None) -> bool:
    host = urlsplit(url).hostname if url else None
    return host in ("localhost", "::1") or bool(host and host.startswith("127."))


def make_client(endpoint_url: str | None, region: str, *, max_connections: int = 10) -> Any:
    """A botocore DynamoDB client; an emulator on loopback gets dummy credentials when none are configured."""
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    credentials: dict[str, str] = {}
    if _is_loopback(endpoint_url) and session.get_credentials() is None:
        credentials = EMULATOR_CREDENTIALS
    config = Config(
        max_pool_connections=max(10, max_connections),
        retries={"mode": "standard", "total_max_attempts": 5},
        connect_timeout=5,
        read_timeout=30,
    )
    return session.create_client(
        "dynamodb", region_name=region, endpoint_url=endpoint_url, config=config, **credentials
    )


def scan_pages(
    client: Any,
    table: str,
    *,
    segments: int = 1,
    page_size: int | None = None,
    consistent: bool = False,
    index: str | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Every item of ``table`` (or of its ``index``), typed as DynamoDB answers (binary as ``bytes``), a page at a time.

    One worker scans each segment; pages come in the fixed order of :mod:`~dynamodbmanager.datatools.segments`.
    """
    params: dict[str, Any] = {"TableName": table, "ConsistentRead": consistent}
    if index is not None:
        params["IndexName"] = index
    if page_size:
        params["Limit"] = page_size

    def scan(segment: int) -> Generator[list[dict[str, Any]], None, None]:
        call = dict(params, Segment=segment, TotalSegments=segments) if segments > 1 else dict(params)
        while True:
            response = client.scan(**call)
            yield response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            call["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    return read_segments([partial(scan, segment) for segment in range(segments)])


def batch_write(client: Any, table: str, typed_items: list[dict[str, Any]]) -> None:
    """Put ``typed_items`` (at most 25, distinct keys) with BatchWriteItem, retrying unprocessed ones with backoff."""
    request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in typed_items]}
    for attempt in range(MAX_BATCH_ATTEMPTS):
        response = client.batch_write_item(RequestItems=request)
        request = response.get("UnprocessedItems") or {}
        if not request:
            return
        time.sleep(backoff(attempt))
    left = sum(len(entries) for entries in request.values())
    raise BatchFailed(f"{left} items were still unprocessed after {MAX_BATCH_ATTEMPTS} attempts (throttled).")
