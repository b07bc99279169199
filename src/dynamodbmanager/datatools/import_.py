"""Import: items from a file or a directory written in batches, concurrently, with a checkpoint for ``--resume``.

The input is read once, front to back: one file, or every data file of a directory (DynamoDB's export
layout, see :mod:`dynamodbmanager.datatools.sources`), plain JSON Lines, CSV or DynamoDB JSON, gzip or not.
Every item is checked as DynamoDB would check it and made typed, so nothing changes type on the way. Valid
items are grouped in batches of up to 25 consecutive lines; a bounded pool of workers writes the batches,
through the API (one ``PUT /items/{pk}[/{sk}]?format=dynamodb`` each, on a kept-alive connection per worker)
or directly (``BatchWriteItem``).

Items are keyed by the target table's own design, which the target reports before the first line is read
(``GET /table``, or DescribeTable): the key is the partition key and, when the table has one, the sort key.

A line that cannot be imported (not JSON, a key attribute missing or of the wrong type, a value DynamoDB
refuses) is reported with its line and file, and with the item's key once it has one; the import goes on with
the others and ends incomplete, or stops there with ``strict``. Such a line is never acknowledged, so after
fixing it ``resume`` imports just the lines that were left out.

Batches finish out of order, so the checkpoint file next to the input records the last position up to which
*every* line is acknowledged, plus the ranges acknowledged beyond it. ``resume`` skips exactly those lines:
nothing acknowledged is written twice, and nothing is skipped that was not acknowledged. The checkpoint is
private and replaced atomically, never written through a link (:mod:`~dynamodbmanager.datatools.files`).
"""

from __future__ import annotations

import contextlib
import json
import time
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dynamodbmanager.client import ApiClient, ApiError, Unreachable
from dynamodbmanager.datatools.dynamodb import BATCH_LIMIT, BatchFailed, batch_write
from dynamodbmanager.datatools.files import write_private
from dynamodbmanager.datatools.formats import Record, read_records
from dynamodbmanager.datatools.retry import MAX_API_ATTEMPTS, RETRYABLE_STATUSES, backoff
from dynamodbmanager.datatools.shape import UnknownDesign, api_shape, from_description
from dynamodbmanager.datatools.sources import (
    UnreadableInput,
    detect_format,
    display_names,
    input_files,
    open_input,
    position,
    split,
)
from dynamodbmanager.datatools.typed import typed_client
from dynamodbmanager.errors import BadRequest, ServiceError
from dynamodbmanager.schema import DEFAULT_SHAPE, VERSION_ATTRIBUTE, KeyAttribute, TableShape
from dynamodbmanager.store import dynamodb_json
from dynamodbmanager.store.attributes import serialize
from dynamodbmanager.store.keys import Keys, addressable

if TYPE_CHECKING:
    from dynamodbmanager.datatools.progress import Progress

TypedItem = dict[str, dict[str, Any]]
#: What makes two keys the same item: each key value, numbers by value (``1`` and ``1.0`` are one key).
KeyIdentity = tuple[Hashable, ...]

#: Statuses that refuse one item for what it is (the rest of the file can still be written); 404 is a key
#: the API cannot route, since a wrong base URL is caught before the first item.
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
    """A batch could not be written after its retries; ``written`` items at its start were answered.

    ``refused`` holds those of them the target refused (line and reason), the rest are stored.
    """

    def __init__(self, message: str, written: int = 0, refused: list[tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.written = written
        self.refused = refused or []


class Target(Protocol):
    """Where an import writes: the API or a DynamoDB table."""

    #: Says where the items go; a checkpoint is valid only for the same target.
    name: str

    def check(self) -> TableShape:
        """The shape of the table written; :class:`ImportStopped` when it cannot be written at all (wrong URL)."""

    def prepare(self, typed: TypedItem) -> Any:
        """The typed item as this target writes it; raises :class:`ServiceError` when it cannot be stored."""

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        """Write one batch; returns the lines the target refused, with its reason; raises when unavailable."""


#: The default table's keys, for callers that import into it.
DEFAULT_KEYS = Keys(DEFAULT_SHAPE)
_TYPE_NAMES = {"S": "a string", "N": "a number", "B": "binary"}
_TYPED_EXAMPLES = {"S": '{"S": "..."}', "N": '{"N": "..."}', "B": '{"B": "<base64>"}'}


def _present(item: dict[str, Any], keys: Keys) -> None:
    """Refuse an item without one of the table's key attributes, saying which one and of what type."""
    for role, attribute in zip(("partition", "sort"), keys.shape.key, strict=False):
        if attribute.name not in item:
            what = _TYPE_NAMES[attribute.type]
            raise ServiceError(
                f"The item has no '{attribute.name}', the table's {role} key ({what}).", code="MissingKey"
            )


def _plain_kind(value: Any) -> str:
    """What a plain JSON value is, to say what a key attribute holds instead of its type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, dict):
        return "a map"
    return "a list" if isinstance(value, list) else "null"


def _check_plain_key(attribute: KeyAttribute, value: Any) -> None:
    """Refuse a plain key value that is not of the attribute's type; binary has no plain form."""
    if attribute.type == "B":
        raise BadRequest(
            f"The key attribute '{attribute.name}' is binary, which plain JSON cannot hold: import DynamoDB JSON "
            "(--format dynamodb-json).",
            code="InvalidKey",
        )
    if _plain_kind(value) != _TYPE_NAMES[attribute.type]:
        raise BadRequest(
            f"The key attribute '{attribute.name}' must be {_TYPE_NAMES[attribute.type]}, not {_plain_kind(value)}.",
            code="InvalidKey",
        )


def check_item(item: dict[str, Any], keys: Keys = DEFAULT_KEYS) -> TypedItem:
    """A plain item's typed attribute values, after checking what DynamoDB would refuse (key, types, 400 KB)."""
    _present(item, keys)
    for attribute in keys.shape.key:
        _check_plain_key(attribute, item[attribute.name])
    typed = serialize(item)
    keys.of_item(typed)
    return typed


def check_typed_item(item: dict[str, Any], keys: Keys = DEFAULT_KEYS) -> TypedItem:
    """A DynamoDB JSON item as botocore's typed values (binary as ``bytes``), checked as DynamoDB would."""
    _present(item, keys)
    for attribute in keys.shape.key:
        value = item[attribute.name]
        if not isinstance(value, dict) or list(value) != [attribute.type]:
            held = f", not {next(iter(value))}" if isinstance(value, dict) and len(value) == 1 else ""
            raise BadRequest(
                f"The key attribute '{attribute.name}' must be typed {_TYPED_EXAMPLES[attribute.type]}{held}.",
                code="InvalidKey",
            )
    typed = dynamodb_json.item(item)
    keys.of_item(typed)
    return typed


def typed_item(record: Record, keys: Keys = DEFAULT_KEYS) -> TypedItem:
    """The record's item, typed and checked against the table's key, whichever format it was read from."""
    if record.item is None:
        raise ServiceError(record.error or "The line holds no item.")
    return check_typed_item(record.item, keys) if record.typed else check_item(record.item, keys)


def key_identity(key: TypedItem) -> KeyIdentity:
    """The identity of a typed key: its values in the key's order, numbers as ``Decimal`` so equal ones match."""
    return tuple(Decimal(value["N"]) if "N" in value else next(iter(value.values())) for value in key.values())


class ApiTarget:
    """Writes each item with ``PUT /items/{pk}[/{sk}]?format=dynamodb`` (create or replace); the server versions it."""

    def __init__(self, client: ApiClient) -> None:
        self.client = typed_client(client)
        self.name = f"api {client.base_url.rstrip('/')}"
        self.keys = DEFAULT_KEYS

    def check(self) -> TableShape:
        """``GET /table``: the table's key, and the URL is this API's, so a 404 later is about one item only."""
        try:
            shape = api_shape(self.client)
        except (ApiError, UnknownDesign) as exc:
            raise ImportStopped(
                f"{self.client.base_url} is not this API, or one too old to describe its table ({exc}); check --url",
                usage=True,
            ) from None
        except Unreachable as exc:
            raise ImportStopped(str(exc)) from None
        self.keys = Keys(shape)
        return shape

    def prepare(self, typed: TypedItem) -> TypedItem:
        """The typed item without its version, which the server manages; a key no URL can name is refused."""
        for attribute in self.keys.shape.key:
            value = typed[attribute.name]
            if attribute.type == "S" and not addressable(value["S"]):
                raise ServiceError(
                    f"The key attribute '{attribute.name}' cannot be a URL path segment (it holds a '/', or is '.' "
                    "or '..'): import it with --direct."
                )
        return {name: value for name, value in typed.items() if name != VERSION_ATTRIBUTE}

    def write(self, prepared: list[Any], lines: list[int]) -> list[tuple[int, str]]:
        """Put the items one after the other on this worker's connection, each at its key's path."""
        refused: list[tuple[int, str]] = []
        for done, (item, line) in enumerate(zip(prepared, lines, strict=True)):
            for attempt in range(MAX_API_ATTEMPTS):
                try:
                    self.client.put_at(self.keys.path(item), item)
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
                    raise TargetUnavailable(reason, written=done, refused=refused)
                time.sleep(backoff(attempt + 2))
        return refused


class DirectTarget:
    """Writes batches with ``BatchWriteItem`` straight into a table; versions in the file are kept."""

    def __init__(self, dynamodb: Any, table: str, endpoint: str | None) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.name = f"dynamodb {endpoint or 'aws'} {table}"

    def check(self) -> TableShape:
        """DescribeTable: the table exists, and its KeySchema and AttributeDefinitions give its key."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return from_description(self.dynamodb.describe_table(TableName=self.table)["Table"])
        except ClientError as exc:
            missing = exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"
            raise ImportStopped(f"DynamoDB: {exc}", usage=missing) from None
        except BotoCoreError as exc:
            raise ImportStopped(f"DynamoDB: {exc}") from None
        except UnknownDesign as exc:
            raise ImportStopped(str(exc), usage=True) from None

    def prepare(self, typed: TypedItem) -> TypedItem:
        """The typed item as it is; one without a version gets version 1, like a new item in the API."""
        if VERSION_ATTRIBUTE in typed:
            return typed
        return {**typed, VERSION_ATTRIBUTE: {"N": "1"}}

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
    """Line ranges written for good; ``line`` is the last line up to which all of them are.

    Lines are positions (:func:`~dynamodbmanager.datatools.sources.position`); the ranges past ``line`` are
    kept sorted and merged, so a file with many bad lines still checks each line in logarithmic time.
    """

    def __init__(self, line: int = 0, beyond: Iterable[tuple[int, int]] | None = None) -> None:
        self.line = line
        self._starts: list[int] = []
        self._ends: list[int] = []
        for first, last in sorted(beyond or []):
            self.add(first, last)

    def add(self, first: int, last: int, holes: Iterable[int] = ()) -> None:
        """Acknowledge the lines ``first`` to ``last`` but for ``holes`` (lines that were not imported)."""
        start = first
        for hole in sorted(hole for hole in holes if first <= hole <= last):
            self._add_range(start, hole - 1)
            start = hole + 1
        self._add_range(start, last)

    def _add_range(self, first: int, last: int) -> None:
        """Acknowledge ``first`` to ``last``, merging it with its neighbours and moving ``line`` when it can."""
        first = max(first, self.line + 1)
        if last < first:
            return
        # The ranges that overlap or touch [first, last] are merged with it into one.
        low = bisect_left(self._ends, first - 1)
        high = bisect_right(self._starts, last + 1)
        if low < high:
            first, last = min(first, self._starts[low]), max(last, self._ends[high - 1])
        self._starts[low:high] = [first]
        self._ends[low:high] = [last]
        if self._starts[0] <= self.line + 1:
            self.line = self._ends.pop(0)
            self._starts.pop(0)

    def covers(self, line: int) -> bool:
        """Whether ``line`` is acknowledged."""
        if line <= self.line:
            return True
        index = bisect_right(self._starts, line) - 1
        return index >= 0 and self._ends[index] >= line

    def beyond(self) -> list[tuple[int, int]]:
        """The acknowledged ranges past ``line``, in order."""
        return list(zip(self._starts, self._ends, strict=True))


@dataclass
class Checkpoint:
    """The checkpoint file of one import: its target, the files it reads, and what is acknowledged."""

    path: Path
    target: str
    files: list[str] = field(default_factory=list)
    _saved: float = field(default=0.0, init=False)

    def load(self) -> Acknowledged:
        """What an earlier run acknowledged; nothing when there is no checkpoint."""
        if not self.path.exists():
            return Acknowledged()
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
            target, line, beyond = state["target"], int(state["line"]), [(int(a), int(b)) for a, b in state["beyond"]]
            files = [str(name) for name in state.get("files", self.files)]
        except (ValueError, KeyError, TypeError) as exc:
            raise ImportStopped(f"{self.path} is not a checkpoint this tool wrote ({exc}).", usage=True) from None
        if target != self.target:
            raise ImportStopped(
                f"{self.path} belongs to an import into {target}, not {self.target}; "
                "resume with the same target, or delete the checkpoint to start over.",
                usage=True,
            )
        if files != self.files:
            raise ImportStopped(
                f"{self.path} belongs to an import of {len(files)} files ({', '.join(files[:3])}...), and the "
                f"input now has {len(self.files)}; resume with the same files, or delete the checkpoint to "
                "start over.",
                usage=True,
            )
        return Acknowledged(line, beyond)

    def save(self, acknowledged: Acknowledged, *, force: bool = False) -> None:
        """Write the checkpoint atomically (at most every ``CHECKPOINT_INTERVAL`` seconds unless forced)."""
        now = time.monotonic()
        if not force and now - self._saved < CHECKPOINT_INTERVAL:
            return
        self._saved = now
        state = {"target": self.target, "files": self.files, "line": acknowledged.line, "beyond": acknowledged.beyond()}
        write_private(self.path, json.dumps(state) + "\n")

    def remove(self) -> None:
        """Delete the checkpoint once the import is complete."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@dataclass
class ImportSummary:
    """What an import did: items written, lines not imported, items that could not be written, and why it stopped.

    ``resumed_after`` and ``last_acknowledged`` are positions; :meth:`Importer.where` says them in words.
    """

    written: int = 0
    #: Lines that could not be imported (reported one by one); they stay out of the checkpoint.
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
        """Whether every line was written."""
        return self.stopped is None and not self.interrupted and self.failed == 0 and self.skipped == 0


@dataclass
class _Batch:
    """Consecutive lines ``first`` to ``last``: the items to write, and the lines among them not imported."""

    first: int
    last: int
    lines: list[int] = field(default_factory=list)
    keys: list[KeyIdentity] = field(default_factory=list)
    #: How messages name each item: ``PK 'a', SK 'b'``.
    names: list[str] = field(default_factory=list)
    prepared: list[Any] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)


@dataclass
class Importer:
    """Reads ``source`` (a file or a directory) and writes its items to ``target``; see the module's docstring.

    ``fmt`` is the format of every file, or ``None`` to tell each file's format from its content; ``csv_raw``
    reads CSV written without quotes against formulas (see :mod:`~dynamodbmanager.datatools.formats`).
    """

    source: Path
    fmt: str | None
    target: Target
    progress: Progress
    concurrency: int = 4
    batch_size: int = BATCH_LIMIT
    strict: bool = False
    resume: bool = False
    csv_raw: bool = False
    summary: ImportSummary = field(default_factory=ImportSummary)

    def __post_init__(self) -> None:
        self.files = input_files(self.source, ignored=(CHECKPOINT_SUFFIX, CHECKPOINT_SUFFIX + ".tmp"))
        if not self.files:
            raise ImportStopped(f"{self.source} holds no *.json or *.json.gz file to import.", usage=True)
        self.names = display_names(self.source, self.files)
        self.checkpoint = Checkpoint(checkpoint_path(self.source), self.target.name, self.names)
        self._sizes = [path.stat().st_size for path in self.files]
        self._size = max(sum(self._sizes), 1)
        self._read = 0
        self._unreadable: str | None = None

    def where(self, at: int) -> str:
        """A position in words: ``line 12``, or ``line 12 of data/x.json.gz`` when the input has several files."""
        index, line = split(at)
        if self.source.is_dir():
            if line == 0 and index > 0:
                return f"the end of {self.names[index - 1]}"
            return f"line {line:,} of {self.names[index]}"
        return f"line {line:,}"

    def run(self) -> ImportSummary:
        """Import the whole input (or what is left of it); the summary says how it went."""
        self.keys = Keys(self.target.check())
        if self.resume:
            acknowledged = self.checkpoint.load()
            self.summary.resumed_after = acknowledged.line
        else:
            acknowledged = Acknowledged()
        self._acknowledged = acknowledged
        self._pending: dict[Future[list[tuple[int, str]]], _Batch] = {}
        self._in_flight: dict[KeyIdentity, int] = {}
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
        if self._unreadable is not None and self.summary.stopped is None:
            self.summary.stopped, self.summary.usage = self._unreadable, True
        self.summary.seconds = time.monotonic() - started
        self.summary.last_acknowledged = acknowledged.line
        self.progress.finish()
        if self.summary.complete:
            self.checkpoint.remove()
        else:
            self.checkpoint.save(acknowledged, force=True)
        return self.summary

    def _records(self, acknowledged: Acknowledged) -> Iterator[Record]:
        """Every record not yet acknowledged, its ``line`` a position; stops at a file that cannot be read."""
        first_file, skip_to = split(acknowledged.line)
        done = 0
        for index, path in enumerate(self.files):
            if index >= first_file:
                try:
                    with open_input(path) as (raw, content):
                        fmt, lines = (self.fmt, content) if self.fmt is not None else detect_format(content)
                        skip = skip_to if index == first_file else 0
                        for record in read_records(lines, fmt, skip, self.keys.shape, csv_raw=self.csv_raw):
                            self._read = done + raw.tell()
                            at = position(index, record.line)
                            if not acknowledged.covers(at):
                                yield replace(record, line=at)
                except UnreadableInput as exc:
                    self._unreadable = f"{exc}; what comes before it is imported."
                    return
                except OSError as exc:
                    self._unreadable = f"cannot read {path}: {exc.strerror or exc}"
                    return
            done += self._sizes[index]
            self._read = done

    def _refuse(self, at: int, reason: str) -> None:
        """Report a line that is not imported, and count it."""
        self.summary.skipped += 1
        self.progress.message(f"{self.where(at)}: not imported: {reason}")

    def _read_and_submit(self, acknowledged: Acknowledged) -> None:
        """Read every record, check it, and group the items in batches for the workers; bad lines are left out."""
        batch = _Batch(acknowledged.line + 1, acknowledged.line)
        seen: set[KeyIdentity] = set()
        for record in self._records(acknowledged):
            if self.summary.stopped is not None:
                return
            name = ""
            try:
                typed = typed_item(record, self.keys)
                key = self.keys.of_item(typed)
                name = self.keys.describe(key)
                ready = self.target.prepare(typed)
            except ServiceError as exc:
                message = f"item {name}: {exc.message}" if name else exc.message
                if self.strict:
                    batch.last = record.line - 1
                    self._submit(batch)
                    if self.summary.stopped is None:
                        self.summary.stopped = (
                            f"{self.where(record.line)}: {message} (--strict: nothing after it was written)"
                        )
                        self.summary.usage = True
                    return
                self._refuse(record.line, message)
                batch.bad.append(record.line)
                batch.last = record.line
                continue
            identity = key_identity(key)
            if identity in seen:  # DynamoDB refuses a batch that names a key twice; the later line must win
                self._submit(batch)
                batch, seen = _Batch(batch.last + 1, batch.last), set()
            batch.lines.append(record.line)
            batch.keys.append(identity)
            batch.names.append(name)
            batch.prepared.append(ready)
            batch.last = record.line
            seen.add(identity)
            if len(batch.lines) >= self.batch_size:
                self._submit(batch)
                batch, seen = _Batch(batch.last + 1, batch.last), set()
        self._submit(batch)

    def _submit(self, batch: _Batch) -> None:
        """Hand ``batch`` to a worker once one is free and no batch in flight writes one of its keys."""
        if self.summary.stopped is not None:
            return
        if not batch.lines:
            self._acknowledged.add(batch.first, batch.last, batch.bad)
            return
        keys = set(batch.keys)
        while self._pending and (len(self._pending) >= self.concurrency or keys & self._in_flight.keys()):
            self._collect(block=True)
            if self.summary.stopped is not None:
                return
        for key in keys:
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        future = self._pool.submit(self.target.write, batch.prepared, batch.lines)
        self._pending[future] = batch
        self._collect(block=False)

    def _collect(self, *, block: bool) -> None:
        """Account for the batches that have finished (waiting for one when ``block``)."""
        if not self._pending:
            return
        done, _ = wait(list(self._pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            batch = self._pending.pop(future)
            for key in set(batch.keys):
                self._in_flight[key] -= 1
                if not self._in_flight[key]:
                    del self._in_flight[key]
            self._finish(batch, future)
        self.checkpoint.save(self._acknowledged)

    def _finish(self, batch: _Batch, future: Future[list[tuple[int, str]]]) -> None:
        """Count what a finished batch wrote and acknowledge its lines, but those not imported."""
        if future.cancelled():
            self.summary.failed += len(batch.lines)
            return
        try:
            refused = future.result()
        except TargetUnavailable as exc:
            answered = exc.written
            self._account(batch, exc.refused, answered)
            self.summary.failed += len(batch.lines) - answered
            if answered:
                holes = [*batch.bad, *(line for line, _ in exc.refused)]
                self._acknowledged.add(batch.first, batch.lines[answered - 1], holes)
            if answered < len(batch.lines):
                self.summary.stopped = self.summary.stopped or f"{self.where(batch.lines[answered])}: {exc}"
            self.summary.stopped = self.summary.stopped or str(exc)
            return
        except ImportStopped as exc:
            self.summary.failed += len(batch.lines)
            self.summary.stopped = self.summary.stopped or str(exc)
            self.summary.usage = exc.usage
            return
        self._account(batch, refused, len(batch.lines))
        self._acknowledged.add(batch.first, batch.last, [*batch.bad, *(line for line, _ in refused)])

    def _account(self, batch: _Batch, refused: list[tuple[int, str]], answered: int) -> None:
        """Count the ``answered`` items at the start of ``batch``: stored, or refused by the target."""
        names = dict(zip(batch.lines, batch.names, strict=True))
        for line, reason in refused:
            self._refuse(line, f"item {names[line]}: {reason}" if names.get(line) else reason)
        self.summary.written += answered - len(refused)
        self.progress.advance(answered - len(refused), self._read / self._size)

    def _drain(self) -> None:
        """Wait for every batch in flight, so the checkpoint says what they did."""
        while self._pending:
            self._collect(block=True)
