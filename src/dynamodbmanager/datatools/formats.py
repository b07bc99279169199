"""The file formats of export and import: JSON Lines (the default), CSV, and DynamoDB JSON (every type kept).

Items are written with their attributes in a fixed order (the table's key first, partition then sort, then
the others by name, nested maps by name), so the same table always exports to the same bytes whatever order
DynamoDB returns attributes in.
Numbers are written digit for digit (:mod:`dynamodbmanager.jsoncodec`), never through a float.

DynamoDB JSON (``dynamodb-json``) is one ``{"Item": {...}}`` per line, each value typed (``{"S": "a"}``,
``{"N": "1"}``, ``{"B": "<base64>"}``, ``{"SS": [...]}``...): the line format of DynamoDB's export to S3
and of its import from S3. It is the one format that holds sets and binary; the plain formats refuse them
(see :mod:`dynamodbmanager.datatools.typed`).

In CSV every cell that is not a plain string is JSON (``42``, ``true``, ``null``, ``{"a": 1}``); a string
that would read back as JSON is written JSON-quoted (``"123"``), so strings stay strings. A string key
column (``id``, ``PK``) is always plain text. An empty cell means the item has no such attribute.

A text cell (a string, a string key, a column name) that a spreadsheet would run as a formula, one starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, is written after a single quote (``'=SUM(A1)``), as
OWASP recommends against CSV injection. So that this reads back exactly, a text starting with a quote that is
followed by one of those characters or by another quote gets a quote too (``''=x``), and reading removes one
leading quote from exactly such cells. A number is never quoted: ``-5`` is a number to a spreadsheet too.
``raw`` writes and reads cells with no quote added or removed.
"""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dynamodbmanager import jsoncodec
from dynamodbmanager.datatools.files import create_private, publish
from dynamodbmanager.datatools.typed import LOSSLESS_FORMAT, PlainConverter, canonical_item, in_order
from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import DEFAULT_SHAPE, TableShape

FORMATS = ("jsonl", "csv", LOSSLESS_FORMAT)
#: What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
#: The prefix that makes a spreadsheet read a cell as text.
_TEXT_PREFIX = "'"
#: What, after a leading quote, marks the quote as one written by :func:`escape_formula`.
_ESCAPED = FORMULA_TRIGGERS | {_TEXT_PREFIX}
#: Characters that some line readers (Python's ``str.splitlines``, editors) take for line ends; inside a JSON
#: string they are written escaped, so one item is always one line whatever reads the file.
_LINE_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def format_of(path: str, explicit: str | None = None) -> str:
    """The format to write ``path`` in: the explicit one, else ``csv`` for a ``.csv`` file, else JSON Lines."""
    if explicit is not None:
        return explicit
    return "csv" if path.lower().endswith(".csv") else "jsonl"


def input_format_of(path: str, explicit: str | None = None) -> str | None:
    """The format to read ``path`` in: the explicit one, ``csv`` by name, else ``None`` (the content decides)."""
    if explicit is not None:
        return explicit
    return "csv" if path.lower().removesuffix(".gz").endswith(".csv") else None


def canonical(value: Any) -> Any:
    """``value`` with every map's keys sorted, so equal items serialise to equal bytes."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def text_columns(shape: TableShape) -> tuple[str, ...]:
    """The CSV columns written and read as plain text: the table's string key attributes."""
    return tuple(attribute.name for attribute in shape.key if attribute.type == "S")


def dump_item(item: dict[str, Any], key_names: Sequence[str] = DEFAULT_SHAPE.key_names) -> str:
    """One item as a JSON Lines line (without the newline): the key first, attributes sorted, numbers exact."""
    return jsoncodec.dumps({name: canonical(item[name]) for name in in_order(item, key_names)}).translate(
        _LINE_SEPARATORS
    )


def dump_typed_item(typed: Mapping[str, Mapping[str, Any]], key_names: Sequence[str] = DEFAULT_SHAPE.key_names) -> str:
    """One typed item as a DynamoDB JSON line, ``{"Item": {...}}``: key first, sorted, binary as base64."""
    return jsoncodec.dumps({"Item": canonical_item(typed, key_names)}).translate(_LINE_SEPARATORS)


@dataclass
class Record:
    """One record of an input file: its line number, the item, or why it could not be read."""

    line: int
    item: dict[str, Any] | None
    error: str | None = None
    #: Bytes of the file read up to the end of this record, for the progress bar.
    offset: int = 0
    #: Whether ``item`` is DynamoDB JSON (typed values) rather than plain values.
    typed: bool = False


def _parse_object(text: str | bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        value = jsoncodec.loads(text)
    except BadRequest as exc:
        return None, exc.message.replace("The body", "The line").replace(" at line 1 column ", " at column ")
    if not isinstance(value, dict):
        return None, "The line is not a JSON object."
    return value, None


def read_jsonl(stream: Iterable[bytes], skip_to: int = 0) -> Iterator[Record]:
    """The records of a JSON Lines file, numbered from 1; blank lines are skipped, lines up to ``skip_to`` too."""
    offset = 0
    for number, raw in enumerate(stream, start=1):
        offset += len(raw)
        if number <= skip_to or not raw.strip():
            continue
        item, error = _parse_object(raw)
        yield Record(number, item, error, offset)


def read_dynamodb_json(stream: Iterable[bytes], skip_to: int = 0) -> Iterator[Record]:
    """The records of a DynamoDB JSON file (``{"Item": {...}}`` lines), numbered from 1; blank lines skipped."""
    for record in read_jsonl(stream, skip_to):
        if record.item is None:
            yield record
        elif list(record.item) != ["Item"] or not isinstance(record.item["Item"], dict):
            error = 'The line is not a DynamoDB JSON item such as {"Item": {"id": {"S": "a"}}}.'
            yield Record(record.line, None, error, record.offset, typed=True)
        else:
            yield Record(record.line, record.item["Item"], None, record.offset, typed=True)


def escape_formula(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: after a quote when it starts as a formula or as an escaped cell."""
    if text[:1] in FORMULA_TRIGGERS or (text[:1] == _TEXT_PREFIX and text[1:2] in _ESCAPED):
        return _TEXT_PREFIX + text
    return text


def unescape_formula(cell: str) -> str:
    """The text :func:`escape_formula` turned into ``cell``: without the quote it added, if it added one."""
    return cell[1:] if cell[:1] == _TEXT_PREFIX and cell[1:2] in _ESCAPED else cell


def _cell_value(cell: str) -> Any:
    """A CSV cell as a value: JSON when it parses as JSON, the text itself otherwise."""
    try:
        return jsoncodec.loads(cell)
    except BadRequest:
        return cell


def read_csv(
    stream: Iterable[bytes], skip_to: int = 0, text: Sequence[str] = text_columns(DEFAULT_SHAPE), *, raw: bool = False
) -> Iterator[Record]:
    """The records of a CSV file with a header row; ``line`` is the line a record ends on; ``text`` columns as is.

    Cells written after a quote against formulas lose it, unless ``raw`` (a file written with no such quotes).
    """

    def unescape(cell: str) -> str:
        return cell if raw else unescape_formula(cell)

    counted = {"bytes": 0}

    def lines() -> Iterator[str]:
        for encoded in stream:
            # A spreadsheet's UTF-8 export starts with a byte order mark; it is no part of the first column.
            encoding = "utf-8-sig" if counted["bytes"] == 0 else "utf-8"
            counted["bytes"] += len(encoded)
            # Bytes that are not UTF-8 survive as lone surrogates, which the item checks report with the line.
            yield encoded.decode(encoding, errors="surrogateescape")

    reader = csv.reader(lines())
    header = next(reader, None)
    if header is None:
        return
    header = [unescape(name) for name in header]
    if len(set(header)) != len(header) or not all(header):
        yield Record(reader.line_num, None, "The header row has an empty or repeated column name.", counted["bytes"])
        return
    for row in reader:
        number = reader.line_num
        if number <= skip_to or not any(row):
            continue
        if len(row) != len(header):
            error = f"The row has {len(row)} cells; the header has {len(header)}."
            yield Record(number, None, error, counted["bytes"])
            continue
        item = {
            name: unescape(cell) if name in text else _cell_value(unescape(cell))
            for name, cell in zip(header, row, strict=True)
            if cell != ""
        }
        yield Record(number, item, None, counted["bytes"])


def read_records(
    stream: Iterable[bytes], fmt: str, skip_to: int = 0, shape: TableShape = DEFAULT_SHAPE, *, csv_raw: bool = False
) -> Iterator[Record]:
    """The records of ``stream`` in format ``fmt`` for a table of ``shape``, skipping those up to ``skip_to``.

    ``csv_raw`` reads a CSV file written without quotes against formulas (see :func:`read_csv`).
    """
    if fmt == "csv":
        return read_csv(stream, skip_to, text_columns(shape), raw=csv_raw)
    if fmt == LOSSLESS_FORMAT:
        return read_dynamodb_json(stream, skip_to)
    return read_jsonl(stream, skip_to)


def csv_cell(value: Any, *, raw: bool = False) -> str:
    """One attribute as a CSV cell; see the module's docstring for the rules that make it read back exactly."""
    if isinstance(value, str):
        cell = jsoncodec.dumps(value) if value == "" or value != value.strip() or _looks_like_json(value) else value
        return cell if raw else escape_formula(cell)
    # Not a string, so JSON; a number stays as it is: a spreadsheet reads -5 as a number, not a formula.
    return jsoncodec.dumps(canonical(value))


def _column_cell(item: dict[str, Any], name: str, text: Sequence[str], raw: bool) -> str:
    if name not in item:
        return ""
    value = item[name]
    # A string key is always a string, so it is written and read as plain text: ids such as 42 stay readable.
    if name in text and isinstance(value, str):
        return value if raw else escape_formula(value)
    return csv_cell(value, raw=raw)


def _looks_like_json(text: str) -> bool:
    try:
        jsoncodec.loads(text)
    except BadRequest:
        return False
    return True


class ItemWriter:
    """Writes typed items to a file (``-`` for stdout) that appears under its name only once complete.

    The items go to ``FILE.partial``, a new private file (0600, see :mod:`~dynamodbmanager.datatools.files`),
    renamed to ``FILE`` once synced. An export that stops half-way leaves ``FILE.partial``, never a ``FILE`` that
    looks whole. CSV needs its columns before the first row, so its rows are spooled as JSON Lines next to the
    file and written out at the end (or at the stop): memory stays flat whatever the table's size. The plain
    formats refuse a set or binary value (:class:`~dynamodbmanager.datatools.typed.LossyValue`) unless
    ``allow_lossy``; ``csv_raw`` writes CSV cells with no quote against formulas.
    """

    def __init__(
        self,
        path: str,
        fmt: str,
        *,
        shape: TableShape = DEFAULT_SHAPE,
        allow_lossy: bool = False,
        csv_raw: bool = False,
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.count = 0
        self.key_names = shape.key_names
        self.text = text_columns(shape)
        self.plain = PlainConverter(fmt, key=shape.key, allow_lossy=allow_lossy)
        self.csv_raw = csv_raw
        self._columns: set[str] = set()
        if path == "-":
            self._target: Path | None = None
            self._partial: Path | None = None
            self._out: IO[str] = sys.stdout
        else:
            self._target = Path(path)
            self._partial = self._target.with_name(self._target.name + ".partial")
            self._partial.parent.mkdir(parents=True, exist_ok=True)
            self._out = create_private(self._partial)
        self._stream = self._spool() if fmt == "csv" else self._out

    @property
    def lossy(self) -> int:
        """Values written in a form that reads back as another type (only with ``allow_lossy``)."""
        return self.plain.lossy

    def _spool(self) -> IO[str]:
        import tempfile

        directory = None if self._target is None else self._target.parent
        return tempfile.TemporaryFile("w+", encoding="utf-8", dir=directory, newline="")

    def write(self, typed: Mapping[str, Mapping[str, Any]]) -> None:
        """Append one typed item (binary as ``bytes`` or as base64 text)."""
        if self.fmt == LOSSLESS_FORMAT:
            line = dump_typed_item(typed, self.key_names)
        else:
            item = self.plain.item(typed)
            if self.fmt == "csv":
                self._columns.update(item)
            line = dump_item(item, self.key_names)
        self._stream.write(line + "\n")
        self.count += 1

    def close(self) -> None:
        """Finish the file and give it its name."""
        if self.fmt == "csv":
            self._write_csv()
        if self._partial is None or self._target is None:
            self._out.flush()
        else:
            publish(self._out, self._partial, self._target)

    def abort(self) -> None:
        """Stop writing, leaving what was written in ``FILE.partial`` (for CSV, the rows spooled so far)."""
        with contextlib.suppress(OSError, BadRequest):
            if self.fmt == "csv" and self._partial is not None:
                self._write_csv()
        with contextlib.suppress(OSError):
            if self.fmt == "csv":
                self._stream.close()
            if self._partial is not None:
                self._out.close()

    def _write_csv(self) -> None:
        # The key's columns lead, then the others by name; an empty table still gets its key as the header.
        columns = in_order(dict.fromkeys(self._columns or self.key_names), self.key_names)
        spool = self._stream
        spool.seek(0)
        try:
            # RFC 4180 line ends: the writer then quotes every field holding a CR or LF, so it reads back.
            writer = csv.writer(self._out, lineterminator="\r\n")
            writer.writerow(columns if self.csv_raw else [escape_formula(name) for name in columns])
            for line in spool:
                item = jsoncodec.loads(line)
                writer.writerow([_column_cell(item, name, self.text, self.csv_raw) for name in columns])
        finally:
            spool.close()


def open_output(
    path: str, fmt: str, *, shape: TableShape = DEFAULT_SHAPE, allow_lossy: bool = False, csv_raw: bool = False
) -> ItemWriter:
    """A writer of ``fmt`` (one of :data:`FORMATS`) to ``path`` for items of a table of ``shape``.

    See :class:`ItemWriter` for ``allow_lossy`` and ``csv_raw``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return ItemWriter(path, fmt, shape=shape, allow_lossy=allow_lossy, csv_raw=csv_raw)
