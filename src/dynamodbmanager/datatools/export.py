"""Export: every item of the table or of an index, typed, page by page, streamed to a file with constant memory.

Through the API a plain export follows ``GET /items?format=dynamodb``; an index or a parallel scan goes through
the RPC ``list`` operation (a Scan with ``IndexName``, ``Segment`` and ``TotalSegments``), one worker and one
connection per segment, each paging on its own ``LastEvaluatedKey``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from dynamodbmanager.datatools.formats import open_output
from dynamodbmanager.datatools.retry import retried
from dynamodbmanager.datatools.segments import read_segments
from dynamodbmanager.datatools.typed import API_ITEM_FORMAT, typed_client

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient
    from dynamodbmanager.datatools.progress import Progress
    from dynamodbmanager.schema import TableShape


@dataclass
class ExportSummary:
    """What an export wrote; ``lossy`` counts values written in a form that reads back as another type."""

    items: int
    seconds: float
    lossy: int = 0

    @property
    def rate(self) -> float:
        """Items per second."""
        return self.items / self.seconds if self.seconds > 0 else 0.0


def api_pages(
    client: ApiClient, page_size: int, *, segments: int = 1, index: str | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Every page of typed items through the API, the table's or ``index``'s, in ``segments`` parallel segments.

    A busy page is asked again. Pages come in the fixed order of :mod:`~dynamodbmanager.datatools.segments`.
    """
    typed = typed_client(client)
    if segments == 1 and index is None:
        return _item_pages(typed, page_size)
    return read_segments(
        [partial(_list_pages, typed, page_size, segment, segments, index) for segment in range(segments)]
    )


def _item_pages(client: ApiClient, page_size: int) -> Iterator[list[dict[str, Any]]]:
    """Every page of ``GET /items?format=dynamodb``, following the cursor."""
    cursor: str | None = None
    while True:
        body = retried(partial(client.list_page, page_size, cursor)).json()
        yield body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return


def _list_pages(
    client: ApiClient, page_size: int, segment: int, segments: int, index: str | None
) -> Generator[list[dict[str, Any]], None, None]:
    """Every page of one segment of the RPC ``list`` (a Scan), typed, paging on its ``LastEvaluatedKey``.

    Runs in its own worker, on that worker's own connection, which it closes at the end.
    """
    payload: dict[str, Any] = {"Limit": page_size}
    if index is not None:
        payload["IndexName"] = index
    if segments > 1:
        payload.update(Segment=segment, TotalSegments=segments)
    try:
        while True:
            body = retried(partial(client.rpc, "list", dict(payload), API_ITEM_FORMAT)).json()
            yield body.get("Items", [])
            if not body.get("LastEvaluatedKey"):
                return
            payload["ExclusiveStartKey"] = body["LastEvaluatedKey"]
    finally:
        client.close()


def export_items(
    pages: Iterable[list[dict[str, Any]]],
    path: str,
    fmt: str,
    progress: Progress,
    total: int | None = None,
    *,
    shape: TableShape,
    allow_lossy: bool = False,
    csv_raw: bool = False,
) -> ExportSummary:
    """Write every typed item of ``pages`` to ``path``; ``total``, when known, lets the bar show a fraction.

    Each item's attributes are in the order of ``shape``'s key first. A set or binary value stops a plain format
    with :class:`~dynamodbmanager.datatools.typed.LossyValue` (leaving ``FILE.partial``) unless ``allow_lossy``.
    ``csv_raw`` writes CSV cells with no quote against formulas (see :mod:`~dynamodbmanager.datatools.formats`).
    """
    writer = open_output(path, fmt, shape=shape, allow_lossy=allow_lossy, csv_raw=csv_raw)
    try:
        for page in pages:
            for item in page:
                writer.write(item)
            fraction = min(writer.count / total, 1.0) if total else None
            progress.advance(len(page), fraction)
    except BaseException:
        writer.abort()
        progress.finish()
        raise
    writer.close()
    return ExportSummary(writer.count, progress.finish(), writer.lossy)
