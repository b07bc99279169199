"""A minimal API client that walks ``GET /items`` page by page and keeps nothing but a count.

Run as a script: ``python bench/lister.py BASE_URL PAGE_SIZE REPORT_PATH``; its peak memory is the client's.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from urllib.parse import quote, urlsplit


def main() -> None:
    """Follow ``next_cursor`` to the end and write ``{"items", "pages", "seconds"}`` to the report path."""
    base, page_size, report_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=120)
    items = pages = 0
    cursor: str | None = None
    started = time.perf_counter()
    while True:
        path = f"{url.path}/items?limit={page_size}" + (f"&cursor={quote(cursor)}" if cursor else "")
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}: {body[:200]!r}")
        page = json.loads(body)
        items += len(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    seconds = time.perf_counter() - started
    with open(report_path, "w", encoding="utf-8") as report:
        json.dump({"items": items, "pages": pages, "seconds": seconds}, report)


if __name__ == "__main__":
    main()
