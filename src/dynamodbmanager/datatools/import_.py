"""Import: items from a file written in batches, concurrently, with a checkpoint that makes ``--resume`` exact.

The file is read once, front to back. Valid items are grouped in batches of up to 25 consecutive lines;
a bounded pool of workers writes the batches, through the API (one ``PUT /items/{id}`` each, on a
kept-alive connection per worker) or directly (``BatchWriteItem``). A bad line is reported with its
number and skipped, or stops the import with ``strict``.

Batches finish out of order, so the checkpoint file next to the input records the last line up to which
*every* line is acknowledged, plus the few line ranges acknowledged beyond it. ``resume`` skips exactly
those lines: nothing acknowledged is written twice, and nothing is skipped that was not acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dynamodbmanager.client import ApiClient, ApiError, Unreachable
from dynamodbmanager.datatools.dynamodb import BATCH_LIMIT, BatchFailed, batch_write
from dynamodbmanager.datatools.formats import Record, read_records
from dynamodbmanager.datatools.retry import MAX_API_ATTEMPTS, RETRYABLE_STATUSES, backoff
from dynamodbmanager.errors import ServiceError
from dynamodbmanager.schema import KEY_ATTRIBUTE, VERSION_ATTRIBUTE
from dynamodbmanager.store.attributes import check_key_value, serialize

if TYPE_CHECKING:
    from dynamodbmanager.datatools.progress import Progress

#: Statuses that refuse one item for what it is (the rest of the file can still be written); 404 is an id
#: the API cannot route (one with a ``/``), since a wrong base URL is caught before the first item.
ITEM_REFUSED_STATUSES = frozenset({400, 404, 413, 415, 422})
#: Seconds between two saves of the checkpoint while the import runs.
CHECKPOINT_INTERVAL = 0.2
CHECKPOINT_SUFFIX = ".import-checkpoint.json"


class ImportStopped(Exception):
    """The import cannot go on: the target is unreachable, refuses every request, or the checkpoint does not fit."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


class TargetUnavailable(Exception):
    """A batch could not be written after its retries; ``written`` items at its start were acknowledged."""

    def __init__(self, message: str, written: int = 0) -> None:
        super().__init__(message)
        self.written = written


class Target(Protocol):
    """Where an import writes: the API or a DynamoDB table."""

    #: Says where the items go; a checkpoint is valid only for the same target.
    name: str

    def check(self) -> None:
        """Raise :class:`ImportStopped` when the target cannot be written at all (wrong URL, no table)."""

    def prepare(self, item: dict[str, Any]) -> Any:
        """The item as this target writes it; raises :class:`ServiceError` when the item cannot be stored."""

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        """Write one batch; returns the lines the target refused, with its reason; raises when unavailable."""


def check_item(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The item's typed attribute values, after checking what DynamoDB would refuse (key, types, 400 KB)."""
    if KEY_ATTRIBUTE not in item:
        raise ServiceError(f"The item has no '{KEY_ATTRIBUTE}'.", code="MissingKey")
    check_key_value(item[KEY_ATTRIBUTE], KEY_ATTRIBUTE)
    return serialize(item)


class ApiTarget:
    """Writes each item with ``PUT /items/{id}`` (create or replace); the server sets the version."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.name = f"api {client.base_url.rstrip('/')}"

    def check(self) -> None:
        """``GET /health``: the URL is this API's, so a 404 later is about one item, not every item."""
        try:
            self.client.request("GET", "/health")
        except ApiError as exc:
            raise ImportStopped(f"{self.client.base_url} is not this API ({exc}); check --url", usage=True) from None
        except Unreachable as exc:
            raise ImportStopped(str(exc)) from None

    def prepare(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item without its version, which the server manages."""
        check_item(item)
        return {name: value for name, value in item.items() if name != VERSION_ATTRIBUTE}

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        """Put the items one after the other on this worker's connection."""
        refused: list[tuple[int, str]] = []
        for done, (item, line) in enumerate(zip(prepared, lines, strict=True)):
            for attempt in range(MAX_API_ATTEMPTS):
                try:
                    self.client.put(item[KEY_ATTRIBUTE], item)
                    break
                except ApiError as exc:
                    if exc.status in ITEM_REFUSED_STATUSES:
                        refused.append((line, f"the API refused it: {exc.message}"))
                        break
                    if exc.status not in RETRYABLE_STATUSES:
                        raise ImportStopped(f"the API answered {exc}", usage=exc.status < 500) from None
                    reason = str(exc)
                except Unreachable as exc:
                    reason = str(exc)
                if attempt + 1 == MAX_API_ATTEMPTS:
                    raise TargetUnavailable(f"line {line}: {reason}", written=done)
                time.sleep(backoff(attempt + 2))
        return refused


class DirectTarget:
    """Writes batches with ``BatchWriteItem`` straight into a table; versions in the file are kept."""

    def __init__(self, dynamodb: Any, table: str, endpoint: str | None) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.name = f"dynamodb {endpoint or 'aws'} {table}"

    def check(self) -> None:
        """The table exists and can be described."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.dynamodb.describe_table(TableName=self.table)
        except ClientError as exc:
            missing = exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"
            raise ImportStopped(f"DynamoDB: {exc}", usage=missing) from None
        except BotoCoreError as exc:
            raise ImportStopped(f"DynamoDB: {exc}") from None

    def prepare(self, item: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Typed attribute values; an item without a version gets version 1, like a new item in the API."""
        typed = check_item(item)
        typed.setdefault(VERSION_ATTRIBUTE, {"N": "1"})
        return typed

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        """One BatchWriteItem; when DynamoDB refuses the batch, each item alone to find the culprit."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            batch_write(self.dynamodb, self.table, prepared)
            return []
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ValidationException":
                raise TargetUnavailable(str(exc)) from None
        except (BatchFailed, BotoCoreError) as exc:
            raise TargetUnavailable(str(exc)) from None
        refused: list[tuple[int, str]] = []
        for item, line in zip(prepared, lines, strict=True):
            try:
                self.dynamodb.put_item(TableName=self.table, Item=item)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                if error.get("Code") != "ValidationException":
                    raise TargetUnavailable(str(exc)) from None
                refused.append((line, f"DynamoDB refused it: {error.get('Message', '')}"))
            except BotoCoreError as exc:
                raise TargetUnavailable(str(exc)) from None
        return refused


def checkpoint_path(source: Path) -> Path:
    """Where the checkpoint of an import of ``source`` lives: next to it."""
    return source.with_name(source.name + CHECKPOINT_SUFFIX)


class Acknowledged:
    """Line ranges written or skipped for good; ``line`` is the last line up to which all of them are."""

    def __init__(self, line: int = 0, beyond: list[tuple[int, int]] | None = None) -> None:
        self.line = line
        self._ranges: dict[int, int] = dict(beyond or [])

    def add(self, first: int, last: int) -> None:
        """Acknowledge the lines ``first`` to ``last``."""
        if last < first:
            return
        self._ranges[first] = max(last, self._ranges.get(first, last))
        joined = True
        while joined:
            joined = False
            for start in [start for start in self._ranges if start <= self.line + 1]:
                self.line = max(self.line, self._ranges.pop(start))
                joined = True

    def covers(self, line: int) -> bool:
        """Whether ``line`` is acknowledged."""
        return line <= self.line or any(first <= line <= last for first, last in self._ranges.items())

    def beyond(self) -> list[tuple[int, int]]:
        """The acknowledged ranges past ``line``, in order."""
        return sorted(self._ranges.items())


@dataclass
class Checkpoint:
    """The checkpoint file of one import: the target it writes to and what is acknowledged."""

    path: Path
    target: str
    _saved: float = field(default=0.0, init=False)

    def load(self) -> Acknowledged:
        """What an earlier run acknowledged; nothing when there is no checkpoint."""
        if not self.path.exists():
            return Acknowledged()
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
            target, line, beyond = state["target"], int(state["line"]), [(int(a), int(b)) for a, b in state["beyond"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ImportStopped(f"{self.path} is not a checkpoint this tool wrote ({exc}).", usage=True) from None
        if target != self.target:
            raise ImportStopped(
                f"{self.path} belongs to an import into {target}, not {self.target}; "
                "resume with the same target, or delete the checkpoint to start over.",
                usage=True,
            )
        return Acknowledged(line, beyond)

    def save(self, acknowledged: Acknowledged, *, force: bool = False) -> None:
        """Write the checkpoint atomically (at most every ``CHECKPOINT_INTERVAL`` seconds unless forced)."""
        now = time.monotonic()
        if not force and now - self._saved < CHECKPOINT_INTERVAL:
            return
        self._saved = now
        state = {"target": self.target, "line": acknowledged.line, "beyond": acknowledged.beyond()}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(state) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def remove(self) -> None:
        """Delete the checkpoint once the import is complete."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@dataclass
class ImportSummary:
    """What an import did: items written, lines skipped, items that could not be written, and why it stopped."""

    written: int = 0
    skipped: int = 0
    failed: int = 0
    resumed_after: int = 0
    last_acknowledged: int = 0
    seconds: float = 0.0
    #: Why the import stopped early, if it did; ``usage`` when it is the caller's to fix.
    stopped: str | None = None
    usage: bool = False
    interrupted: bool = False

    @property
    def rate(self) -> float:
        """Items written per second."""
        return self.written / self.seconds if self.seconds > 0 else 0.0

    @property
    def complete(self) -> bool:
        """Whether every line was written or skipped."""
        return self.stopped is None and not self.interrupted and self.failed == 0


@dataclass
class _Batch:
    first: int
    last: int
    records: list[Record]
    prepared: list[Any]

    def ids(self) -> set[str]:
        return {str(record.item[KEY_ATTRIBUTE]) for record in self.records if record.item is not None}


@dataclass
class Importer:
    """Reads ``source`` and writes its items to ``target``; see the module's docstring."""

    source: Path
    fmt: str
    target: Target
    progress: Progress
    concurrency: int = 4
    batch_size: int = BATCH_LIMIT
    strict: bool = False
    resume: bool = False
    summary: ImportSummary = field(default_factory=ImportSummary)

    def __post_init__(self) -> None:
        self.checkpoint = Checkpoint(checkpoint_path(self.source), self.target.name)
        self._size = max(self.source.stat().st_size, 1)
        self._offset = 0

    def run(self) -> ImportSummary:
        """Import the whole file (or what is left of it); the summary says how it went."""
        self.target.check()
        if self.resume:
            acknowledged = self.checkpoint.load()
            self.summary.resumed_after = acknowledged.line
        else:
            acknowledged = Acknowledged()
        self._acknowledged = acknowledged
        self._pending: dict[Future[list[tuple[int, str]]], _Batch] = {}
        self._in_flight: dict[str, int] = {}
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="import") as pool:
            self._pool = pool
            try:
                self._read_and_submit(acknowledged)
            except KeyboardInterrupt:
                self.summary.interrupted = True
                for future in self._pending:
                    future.cancel()
            finally:
                self._drain()
        self.summary.seconds = time.monotonic() - started
        self.summary.last_acknowledged = acknowledged.line
        self.progress.finish()
        if self.summary.complete:
            self.checkpoint.remove()
        else:
            self.checkpoint.save(acknowledged, force=True)
        return self.summary

    def _records(self, acknowledged: Acknowledged) -> Iterator[Record]:
        with self.source.open("rb") as stream:
            for record in read_records(stream, self.fmt, skip_to=acknowledged.line):
                self._offset = record.offset
                if not acknowledged.covers(record.line):
                    yield record

    def _read_and_submit(self, acknowledged: Acknowledged) -> None:
        first = acknowledged.line + 1
        records: list[Record] = []
        prepared: list[Any] = []
        ids: set[str] = set()
        last = acknowledged.line
        for record in self._records(acknowledged):
            if self.summary.stopped is not None:
                return
            item = record.item
            error = record.error
            if item is not None:
                try:
                    ready = self.target.prepare(item)
                except ServiceError as exc:
                    error = exc.message
            if error is not None or item is None:
                if self.strict:
                    self._submit(_Batch(first, record.line - 1, records, prepared))
                    if self.summary.stopped is None:
                        self.summary.stopped = f"line {record.line}: {error} (--strict: nothing after it was written)"
                        self.summary.usage = True
                    return
                self.summary.skipped += 1
                self.progress.message(f"line {record.line}: skipped: {error}")
                last = record.line
                continue
            item_id = str(item[KEY_ATTRIBUTE])
            if item_id in ids:  # DynamoDB refuses a batch that names a key twice; the later line must win
                self._submit(_Batch(first, last, records, prepared))
                first, records, prepared, ids = last + 1, [], [], set()
            records.append(record)
            prepared.append(ready)
            ids.add(item_id)
            last = record.line
            if len(records) >= self.batch_size:
                self._submit(_Batch(first, last, records, prepared))
                first, records, prepared, ids = last + 1, [], [], set()
        self._submit(_Batch(first, last, records, prepared))

    def _submit(self, batch: _Batch) -> None:
        """Hand ``batch`` to a worker once one is free and no batch in flight writes one of its ids."""
        if self.summary.stopped is not None:
            return
        if not batch.records:
            self._acknowledged.add(batch.first, batch.last)
            return
        ids = batch.ids()
        while self._pending and (len(self._pending) >= self.concurrency or ids & self._in_flight.keys()):
            self._collect(block=True)
            if self.summary.stopped is not None:
                return
        for item_id in ids:
            self._in_flight[item_id] = self._in_flight.get(item_id, 0) + 1
        lines = [record.line for record in batch.records]
        future = self._pool.submit(self.target.write, batch.prepared, lines)
        self._pending[future] = batch
        self._collect(block=False)

    def _collect(self, *, block: bool) -> None:
        """Account for the batches that have finished (waiting for one when ``block``)."""
        if not self._pending:
            return
        done, _ = wait(list(self._pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            batch = self._pending.pop(future)
            for item_id in batch.ids():
                self._in_flight[item_id] -= 1
                if not self._in_flight[item_id]:
                    del self._in_flight[item_id]
            self._finish(batch, future)
        self.checkpoint.save(self._acknowledged)

    def _finish(self, batch: _Batch, future: Future[list[tuple[int, str]]]) -> None:
        if future.cancelled():
            self.summary.failed += len(batch.records)
            return
        try:
            refused = future.result()
        except TargetUnavailable as exc:
            written = exc.written
            self.summary.written += written
            self.summary.failed += len(batch.records) - written
            if written:
                self._acknowledged.add(batch.first, batch.records[written - 1].line)
            self.summary.stopped = self.summary.stopped or str(exc)
            return
        except ImportStopped as exc:
            self.summary.failed += len(batch.records)
            self.summary.stopped = self.summary.stopped or str(exc)
            self.summary.usage = exc.usage
            return
        for line, reason in refused:
            self.progress.message(f"line {line}: skipped: {reason}")
        self.summary.skipped += len(refused)
        self.summary.written += len(batch.records) - len(refused)
        self._acknowledged.add(batch.first, batch.last)
        self.progress.advance(len(batch.records) - len(refused), self._offset / self._size)

    def _drain(self) -> None:
        while self._pending:
            self._collect(block=True)
