"""Direct access to a DynamoDB endpoint for the data tools: a parallel scan and batched writes.

Used by ``export --direct`` and ``import --direct`` to move a whole table without going through the
function: faster, and versions are kept as they are (a restore puts back exactly what was exported).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dynamodbmanager.datatools.retry import backoff

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


@dataclass
class _Done:
    """A segment's scan has ended (``error`` set when it failed)."""

    error: BaseException | None = None


def scan_pages(
    client: Any, table: str, *, segments: int = 1, page_size: int | None = None, consistent: bool = False
) -> Iterator[list[dict[str, Any]]]:
    """Every item of ``table``, typed as DynamoDB answers (binary as ``bytes``), a page at a time, in parallel.

    At most two pages per segment wait in memory, so memory stays flat however large the table is.
    """
    pages: queue.Queue[list[dict[str, Any]] | _Done] = queue.Queue(maxsize=2 * segments)
    stop = threading.Event()

    def put(entry: list[dict[str, Any]] | _Done) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                pages.put(entry, timeout=0.1)
                return True
        return False

    def scan(segment: int) -> None:
        params: dict[str, Any] = {"TableName": table, "ConsistentRead": consistent}
        if segments > 1:
            params.update(Segment=segment, TotalSegments=segments)
        if page_size:
            params["Limit"] = page_size
        try:
            while not stop.is_set():
                response = client.scan(**params)
                if not put(response.get("Items", [])):
                    return
                if "LastEvaluatedKey" not in response:
                    break
                params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Done(exc))
            return
        put(_Done())

    workers = [threading.Thread(target=scan, args=(n,), daemon=True, name=f"scan-{n}") for n in range(segments)]
    for worker in workers:
        worker.start()
    try:
        running = segments
        while running:
            entry = pages.get()
            if isinstance(entry, _Done):
                running -= 1
                if entry.error is not None:
                    raise entry.error
                continue
            yield entry
    finally:
        stop.set()
        for worker in workers:
            worker.join()


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
