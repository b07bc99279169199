"""What an import reads: one file, or a directory of them as DynamoDB's export to S3 lays them out.

A directory is read recursively, every ``*.json`` and ``*.json.gz`` file in sorted order (AWS's layout is
``AWSDynamoDBexport/<export id>/data/<name>.json.gz``, beside manifests that describe the data and are not
items). Any file may be gzip-compressed, whatever its name: the content says so.

Every line of the input has a position: its file's index in the sorted list times 2**32, plus its line
number in the file. Positions grow through the files in reading order, so one checkpoint of positions
records how far an import of several files got, file and line.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from dynamodbmanager import jsoncodec
from dynamodbmanager.errors import BadRequest

#: How a file starts when it is gzip-compressed (RFC 1952).
GZIP_MAGIC = b"\x1f\x8b"
#: The names of the files a directory import reads.
DIRECTORY_SUFFIXES = (".json", ".json.gz")
#: Files of DynamoDB's export that describe the data (``manifest-summary.json``, ``manifest-files.json``).
MANIFEST_PREFIX = "manifest-"
#: Bits of a position that hold the line number; the file's index is above them.
LINE_BITS = 32
#: Lines read at most, looking for a JSON object, to tell DynamoDB JSON from JSON Lines.
DETECTION_LINES = 100
#: What reading a damaged gzip file raises.
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


class UnreadableInput(Exception):
    """A file of the input cannot be read as a whole (a damaged gzip stream); the lines before it can."""


def position(index: int, line: int) -> int:
    """The position of line ``line`` of the ``index``-th input file."""
    return (index << LINE_BITS) | line


def split(at: int) -> tuple[int, int]:
    """The file index and the line number of position ``at``."""
    return at >> LINE_BITS, at & ((1 << LINE_BITS) - 1)


def input_files(source: Path, ignored: Iterable[str] = ()) -> list[Path]:
    """The files an import of ``source`` reads: the file itself, or a directory's data files in sorted order.

    Names ending with one of ``ignored`` (the import's own checkpoints) are left out.
    """
    if not source.is_dir():
        return [source]
    found = [
        path
        for path in source.rglob("*")
        if path.is_file()
        and path.name.endswith(DIRECTORY_SUFFIXES)
        and not path.name.startswith(MANIFEST_PREFIX)
        and not path.name.endswith(tuple(ignored))
    ]
    return sorted(found, key=lambda path: path.relative_to(source).as_posix())


def display_names(source: Path, files: list[Path]) -> list[str]:
    """How messages and checkpoints name each file: its path inside a directory, else its own name."""
    if not source.is_dir():
        return [source.name]
    return [path.relative_to(source).as_posix() for path in files]


@contextlib.contextmanager
def open_input(path: Path) -> Iterator[tuple[IO[bytes], Iterator[bytes]]]:
    """The file as it is on disk (its position is the progress) and its lines, gunzipped when it is gzip."""
    with path.open("rb") as raw:
        if raw.peek(len(GZIP_MAGIC))[: len(GZIP_MAGIC)] != GZIP_MAGIC:
            yield raw, iter(raw)
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as content:
            yield raw, _gunzipped_lines(content, path)


def _gunzipped_lines(content: Iterable[bytes], path: Path) -> Iterator[bytes]:
    """The lines of a gzip stream; a damaged or cut stream is :class:`UnreadableInput` naming the file."""
    try:
        yield from content
    except GZIP_ERRORS as exc:
        raise UnreadableInput(f"{path} is not a complete gzip file ({exc})") from None


def detect_format(lines: Iterator[bytes]) -> tuple[str, Iterator[bytes]]:
    """``dynamodb-json`` when the first JSON object among the first lines is ``{"Item": {...}}``, else ``jsonl``.

    Returns the lines with the ones read to decide put back in front.
    """
    seen: list[bytes] = []
    fmt = "jsonl"
    for raw in lines:
        seen.append(raw)
        if len(seen) > DETECTION_LINES:
            break
        try:
            first = jsoncodec.loads(raw) if raw.strip() else None
        except BadRequest:
            continue  # a bad line is reported with its number later; the next ones tell the format
        if not isinstance(first, dict):
            continue
        if list(first) == ["Item"] and isinstance(first["Item"], dict):
            fmt = "dynamodb-json"
        break
    return fmt, itertools.chain(seen, lines)
