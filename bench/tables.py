"""The DynamoDB-compatible servers the benchmark runs against, and the items it seeds them with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.workload import typed_item
from dynamodbmanager.local.emulator import Emulator, start_emulator

#: moto is what ``make run`` uses; dynalite is what ``make run DATA=dir`` uses.
SERVERS = ("moto", "dynalite")


class ServerUnavailable(Exception):
    """The server cannot run here (dynalite needs Node.js 20+ and, on first use, the npm registry)."""


@contextmanager
def table_server(kind: str, workdir: Path) -> Iterator[Emulator]:
    """A fresh server of ``kind`` for the duration of the block."""
    running: Emulator
    if kind == "moto":
        running = start_emulator()
    else:
        try:
            from dynamodbmanager.local.dynalite import start_dynalite

            running = start_dynalite(workdir / f"dynalite-{id(workdir)}-{kind}")
        except Exception as exc:  # no Node.js, no npm registry, or dynalite would not start
            raise ServerUnavailable(str(exc).splitlines()[0][:150]) from None
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def preferred_server(workdir: Path) -> Iterator[tuple[Emulator, str]]:
    """dynalite when it can run here, since its scan resumes at the start key (moto sorts the whole table
    for every page); otherwise moto. Yields the server and what to call it in the table."""
    try:
        with table_server("dynalite", workdir) as running:
            yield running, "dynalite"
            return
    except ServerUnavailable as exc:
        reason = str(exc)
    with table_server("moto", workdir) as running:
        yield running, f"moto (dynalite unavailable: {reason})"


def seed(server: Emulator, table: str, count: int, prefix: str = "seed") -> None:
    """Write ``count`` items straight into the server, 25 per BatchWriteItem."""
    client = server.client("dynamodb")
    batch: list[dict[str, Any]] = []
    for index in range(count):
        batch.append({"PutRequest": {"Item": typed_item(f"{prefix}-{index:07d}")}})
        if len(batch) == 25 or index == count - 1:
            pending: dict[str, Any] = {table: batch}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            batch = []
