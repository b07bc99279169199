"""What the command line shares: exit statuses, common options, JSON input, and JSON or table output.

Items come in two JSON forms (:data:`ITEM_FORMATS`): plain JSON, and DynamoDB JSON, which names each value's
type (``{"SS": [...]}``, ``{"B": "<base64>"}``) and so carries every item exactly.

Text meant for a person (tables, messages) goes through :func:`visible`: a value or a server message holding
terminal escape sequences or bidirectional controls is shown escaped, never obeyed by the terminal. JSON output
stays exact. A table on a terminal is drawn by rich (imported only then), its cells shown literally, never as
markup; elsewhere it is plain text that scripts can read.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from dynamodbmanager import jsoncodec
from dynamodbmanager.client import ApiClient, ApiError, Unreachable
from dynamodbmanager.datatools.formats import canonical
from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import KEY_ATTRIBUTE
from dynamodbmanager.text import HIDDEN_CATEGORIES as HIDDEN_CATEGORIES  # noqa: PLC0414 - the CLI's re-export
from dynamodbmanager.text import visible as visible  # noqa: PLC0414 - the CLI's re-export

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

DEFAULT_URL = "http://127.0.0.1:3000"
URL_VARIABLE = "DYNAMODBMANAGER_URL"
API_KEY_VARIABLE = "DYNAMODBMANAGER_API_KEY"
#: The key a table of items shows first when the command does not know the table's design: the default table's.
DEFAULT_KEY = (KEY_ATTRIBUTE,)
#: Widest a table cell gets before it is cut with an ellipsis.
MAX_CELL = 40
#: What a table of no item says instead.
NO_ITEMS = "(no items)"
#: The item forms of ``--format``: plain JSON (the API's default) and DynamoDB JSON (``?format=dynamodb``).
PLAIN = "json"
DYNAMODB = "dynamodb"
ITEM_FORMATS = (PLAIN, DYNAMODB)
FORMAT_HELP = (
    "how items are written: json (default) is plain JSON, where a set reads as a sorted list and binary as "
    'base64 text; dynamodb is DynamoDB JSON as the AWS CLI writes it ({"S": "a"}, {"N": "1"}, {"SS": ["a"]}, '
    '{"B": "AAE="}), which names every value\'s type and so keeps any item exactly. Items given are read in '
    "this form and items printed are written in it, as the API returns them"
)


class Exit(IntEnum):
    """Exit statuses a script can branch on."""

    OK = 0
    NOT_FOUND = 1
    USAGE = 2
    CONFLICT = 3
    UNAVAILABLE = 4
    INTERRUPTED = 130


EXIT_CODES_HELP = "exit status: 0 ok, 1 not found, 2 usage or refused input, 3 conflict (409/412), 4 server or network"


class UsageError(Exception):
    """The command was given something it cannot use (exit status 2)."""


def exit_status(status: int) -> Exit:
    """The exit status for an HTTP error status."""
    if status == 404:
        return Exit.NOT_FOUND
    if status in (409, 412):
        return Exit.CONFLICT
    if status >= 500:
        return Exit.UNAVAILABLE
    return Exit.USAGE


def fail(message: str, status: Exit) -> int:
    """Print ``error: message`` on stderr, its hidden characters escaped, and return ``status``."""
    print(f"error: {visible(message)}", file=sys.stderr)
    return int(status)


def api_error(exc: ApiError | Unreachable) -> int:
    """Report an API failure with the server's own message, and its exit status."""
    if isinstance(exc, Unreachable):
        return fail(str(exc), Exit.UNAVAILABLE)
    return fail(f"{exc.status} {exc.code}: {exc.message}", exit_status(exc.status))


def api_options() -> argparse.ArgumentParser:
    """``--url``, ``--api-key`` and ``--timeout``, shared by every command that calls the API."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("API")
    group.add_argument(
        "--url",
        default=os.environ.get(URL_VARIABLE, DEFAULT_URL),
        help=f"API base URL, a stage URL on AWS (default: ${URL_VARIABLE} or {DEFAULT_URL})",
    )
    group.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_VARIABLE),
        help=f"value of the x-api-key header (default: ${API_KEY_VARIABLE})",
    )
    group.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each answer (default: 30)")
    return options


def item_format_options() -> argparse.ArgumentParser:
    """``--format json|dynamodb``, shared by every command that sends or prints items through the API."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--format", dest="item_format", choices=ITEM_FORMATS, default=PLAIN, help=FORMAT_HELP)
    return options


def api_client(args: argparse.Namespace) -> ApiClient:
    """The API client the options describe, speaking the item format of ``--format`` when the command has it."""
    item_format = getattr(args, "item_format", PLAIN)
    try:
        return ApiClient(
            args.url, args.api_key, timeout=args.timeout, item_format=None if item_format == PLAIN else item_format
        )
    except ValueError as exc:
        raise UsageError(f"--url: {exc}") from None


def read_json_object(source: str | None, stdin: TextIO, what: str = "the item") -> dict[str, Any]:
    """A JSON object from an argument: JSON text, ``@FILE``, or ``-`` (or nothing) for standard input."""
    if source is None or source == "-":
        if source is None and stdin.isatty():
            raise UsageError(f"give {what} as JSON text, @FILE, or - to read it from standard input")
        text, origin = stdin.read(), "standard input"
    elif source.startswith("@"):
        path = Path(source[1:])
        try:
            text, origin = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        text, origin = source, "the argument"
    try:
        value = jsoncodec.loads(text)
    except BadRequest as exc:
        raise UsageError(f"{origin} is not JSON: {exc.message.removeprefix('The body is not valid JSON: ')}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{what} must be a JSON object ({origin} holds something else)")
    return value


def version_arg(text: str) -> int:
    """An item version as given to ``--if-match``: ``3`` or the ETag ``"3"``."""
    stripped = text.strip().removeprefix("W/").strip('"')
    if not stripped.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a version such as 3 (the number in the ETag)")
    return int(stripped)


def cell(value: Any, width: int | None = MAX_CELL) -> str:
    """One value as table text: strings as they are, else compact JSON; made :func:`visible`, then cut at ``width``."""
    text = visible(value if isinstance(value, str) else jsoncodec.dumps(canonical(value)))
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def render_table(headers: list[str], rows: Iterable[list[str]]) -> str:
    """A plain text table with a header rule, columns as wide as their widest cell; every text made :func:`visible`."""
    headers = [visible(header) for header in headers]
    rows = [[visible(text) for text in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in rows)]) for i, header in enumerate(headers)]
    lines = ["  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    head = "  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True)).rstrip()
    rule = "  ".join("-" * width for width in widths)
    return "\n".join([head, rule, *lines])


@dataclass(frozen=True)
class Grid:
    """A table's headers and rows of cell text: plain text for scripts (:meth:`text`), a rich table for a person."""

    headers: list[str]
    rows: list[list[str]]

    def text(self) -> str:
        """The table as :func:`render_table` writes it, or :data:`NO_ITEMS` when it has no column."""
        return render_table(self.headers, self.rows) if self.headers else NO_ITEMS

    def rich(self) -> Table:
        """The table for a terminal: every text :func:`visible` and literal (``[bold]`` stays text), folded, never cut.

        On a narrow terminal the widest columns wrap first; a key wraps too, never losing a character.
        """
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.ROUNDED, header_style="bold", highlight=False)
        for header in self.headers:
            table.add_column(Text(visible(header)), overflow="fold")
        for row in self.rows:
            table.add_row(*(Text(visible(text)) for text in row))
        return table


def print_table(grid: Grid, out: TextIO | None = None, *, console: Console | None = None) -> None:
    """Print ``grid`` on ``out`` (standard output): drawn by rich on a terminal or ``console``, else as plain text."""
    out = out if out is not None else sys.stdout
    if console is None and not out.isatty():
        print(grid.text(), file=out)
        return
    from rich.console import Console
    from rich.text import Text

    console = console or Console(file=out, highlight=False, markup=False, emoji=False)
    console.print(grid.rich() if grid.headers else Text(NO_ITEMS))


def typed_parts(value: Any) -> tuple[str, Any]:
    """A DynamoDB JSON value's type and content (``{"SS": ["a"]}`` gives ``("SS", ["a"])``), to show them apart."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, content),) = value.items()
        return str(kind), content
    return "", value


def _ordered(names: Iterable[str], key: Sequence[str]) -> list[str]:
    """Attribute names with the key attributes first, in key order, then the others sorted: the order of every table."""
    present = set(names)
    return [name for name in key if name in present] + sorted(present.difference(key))


def item_grid(item: dict[str, Any], *, typed: bool = False, key: Sequence[str] = DEFAULT_KEY) -> Grid:
    """One item as attribute/value rows, its ``key`` attributes first and whole; typed items get a type column."""
    rows: list[list[str]] = []
    for name in _ordered(item, key):
        width = None if name in key else 80
        if typed:
            kind, content = typed_parts(item[name])
            rows.append([name, kind, cell(content, width)])
        else:
            rows.append([name, cell(item[name], width)])
    return Grid(["attribute", "type", "value"] if typed else ["attribute", "value"], rows)


def item_table(item: dict[str, Any], *, typed: bool = False, key: Sequence[str] = DEFAULT_KEY) -> str:
    """:func:`item_grid` as plain text."""
    return item_grid(item, typed=typed, key=key).text()


def items_grid(items: list[dict[str, Any]], *, typed: bool = False, key: Sequence[str] = DEFAULT_KEY) -> Grid:
    """Items as rows under the union of their attributes, the ``key`` attributes first; an absent one is blank.

    A cell of a DynamoDB JSON item is its compact typed value (``{"SS":["a","b"]}``), so the type shows.
    """
    columns = _ordered({name for item in items for name in item}, key)
    return Grid(columns, [[_row_cell(item, name, typed, key) for name in columns] for item in items] if columns else [])


def items_table(items: list[dict[str, Any]], *, typed: bool = False, key: Sequence[str] = DEFAULT_KEY) -> str:
    """:func:`items_grid` as plain text, or :data:`NO_ITEMS`."""
    return items_grid(items, typed=typed, key=key).text()


def _row_cell(item: dict[str, Any], name: str, typed: bool, key: Sequence[str]) -> str:
    """One cell of a row of items: blank when the item lacks the attribute; a key attribute whole and bare."""
    if name not in item:
        return ""
    if name in key:
        # Never cut nor typed: the key is what a reader copies into the next command.
        return cell(typed_parts(item[name])[1] if typed else item[name], None)
    return cell(item[name])
