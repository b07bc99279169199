"""Export: every item of the table, typed, page by page, streamed to a file with a constant amount of memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from dynamodbmanager.datatools.formats import open_output
from dynamodbmanager.datatools.retry import retried
from dynamodbmanager.datatools.typed import typed_client

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient
    from dynamodbmanager.datatools.progress import Progress


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


def api_pages(client: ApiClient, page_size: int) -> Iterator[list[dict[str, Any]]]:
    """Every page of ``GET /items?format=dynamodb`` (typed items), following the cursor; a busy page is asked again."""
    typed = typed_client(client)
    cursor: str | None = None
    while True:
        body = retried(partial(typed.list_page, page_size, cursor)).json()
        yield body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return


def export_items(
    pages: Iterable[list[dict[str, Any]]],
    path: str,
    fmt: str,
    progress: Progress,
    total: int | None = None,
    *,
    allow_lossy: bool = False,
) -> ExportSummary:
    """Write every typed item of ``pages`` to ``path``; ``total``, when known, lets the bar show a fraction.

    A set or binary value stops a plain format with :class:`~dynamodbmanager.datatools.typed.LossyValue`
    (leaving ``FILE.partial``) unless ``allow_lossy``.
    """
    writer = open_output(path, fmt, allow_lossy=allow_lossy)
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
