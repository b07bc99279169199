"""The pages of a parallel scan: one worker per segment, each paging on its own key, handed on in a fixed order.

Pages are taken from the segments in turn (segment 0's first page, segment 1's first page, ..., then each one's
second page), skipping the segments that have ended. A table that does not change is therefore exported to the
same file every time with the same segments and page size, whichever worker is faster; each worker keeps at
most two pages waiting, so memory stays flat however large the table is.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Page = list[dict[str, Any]]
#: Reads one segment: a generator of its pages, closed in the worker that ran it.
SegmentReader = Callable[[], Generator[Page, None, None]]
#: Pages a worker reads ahead of the writer.
PAGES_AHEAD = 2


@dataclass
class _Done:
    """A segment's reader has ended (``error`` set when it failed)."""

    error: BaseException | None = None


def read_segments(readers: Sequence[SegmentReader]) -> Iterator[Page]:
    """Every page of every segment, in turn; the first error of a reader is raised here and stops the others."""
    pages: list[queue.Queue[Page | _Done]] = [queue.Queue(maxsize=PAGES_AHEAD) for _ in readers]
    stop = threading.Event()

    def put(segment: int, entry: Page | _Done) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                pages[segment].put(entry, timeout=0.1)
                return True
        return False

    def work(segment: int) -> None:
        try:
            with contextlib.closing(readers[segment]()) as read:
                for page in read:
                    if not put(segment, page):
                        return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(segment, _Done(exc))
            return
        put(segment, _Done())

    workers = [
        threading.Thread(target=work, args=(segment,), daemon=True, name=f"segment-{segment}")
        for segment in range(len(readers))
    ]
    for worker in workers:
        worker.start()
    try:
        running = list(range(len(readers)))
        while running:
            for segment in list(running):
                entry = pages[segment].get()
                if isinstance(entry, _Done):
                    running.remove(segment)
                    if entry.error is not None:
                        raise entry.error
                    continue
                yield entry
    finally:
        stop.set()
        for worker in workers:
            worker.join()
