"""The command line's shared pieces: exit statuses, JSON input, versions, tables, and the API client's errors."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from dynamodbmanager.cli.output import (
    MAX_CELL,
    NO_ITEMS,
    Exit,
    UsageError,
    api_client,
    api_error,
    api_options,
    cell,
    exit_status,
    fail,
    item_format_options,
    item_grid,
    item_table,
    items_grid,
    items_table,
    print_table,
    read_json_object,
    typed_parts,
    version_arg,
    visible,
)
from dynamodbmanager.client import ApiClient, Unreachable, _error_of


class FakeTerminal(io.StringIO):
    """Standard input that is a terminal: nothing is piped."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, Exit.NOT_FOUND),
        (409, Exit.CONFLICT),
        (412, Exit.CONFLICT),
        (400, Exit.USAGE),
        (403, Exit.USAGE),
        (413, Exit.USAGE),
        (500, Exit.UNAVAILABLE),
        (502, Exit.UNAVAILABLE),
        (503, Exit.UNAVAILABLE),
    ],
)
def test_exit_status_of_each_error_status(status: int, expected: Exit) -> None:
    assert exit_status(status) == expected


def test_exit_statuses_are_the_documented_numbers() -> None:
    assert [int(e) for e in (Exit.OK, Exit.NOT_FOUND, Exit.USAGE, Exit.CONFLICT, Exit.UNAVAILABLE)] == [0, 1, 2, 3, 4]


def test_json_from_an_argument_keeps_numbers_exact() -> None:
    item = read_json_object('{"id": "a", "n": 0.1000000000000000000000000000000000001}', io.StringIO())
    assert item == {"id": "a", "n": Decimal("0.1000000000000000000000000000000000001")}


def test_json_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    path = tmp_path / "item.json"
    path.write_text('{"id": "f"}')
    assert read_json_object(f"@{path}", io.StringIO()) == {"id": "f"}
    assert read_json_object("-", io.StringIO('{"id": "s"}')) == {"id": "s"}
    assert read_json_object(None, io.StringIO('{"id": "piped"}')) == {"id": "piped"}


@pytest.mark.parametrize(
    ("source", "stdin", "message"),
    [
        (None, FakeTerminal(), "give the item as JSON text, @FILE, or -"),
        ("{not json", io.StringIO(), "the argument is not JSON: Expecting property name"),
        ("[1, 2]", io.StringIO(), "the item must be a JSON object"),
        ("@/nonexistent/item.json", io.StringIO(), "cannot read /nonexistent/item.json"),
    ],
)
def test_unusable_json_input_is_a_usage_error(source: str | None, stdin: io.StringIO, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_json_object(source, stdin)


@pytest.mark.parametrize(("text", "version"), [("3", 3), ('"3"', 3), ('W/"12"', 12)])
def test_if_match_takes_a_number_or_the_etag(text: str, version: int) -> None:
    assert version_arg(text) == version


def test_if_match_refuses_anything_else() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a version"):
        version_arg("abc")


def test_cells_are_strings_as_is_and_json_otherwise_cut_when_long() -> None:
    assert cell("plain") == "plain"
    assert cell(Decimal("12345678901234567890.5")) == "12345678901234567890.5"
    assert cell({"b": 1, "a": [True, None]}) == '{"a":[true,null],"b":1}'
    assert cell("two\nlines") == "two\\nlines"
    long = cell("x" * 100)
    assert len(long) == MAX_CELL
    assert long.endswith("…")


def test_item_table_lists_attributes_id_first() -> None:
    lines = item_table({"name": "Ada", "id": "42", "_version": 2}).splitlines()
    assert lines[0].split() == ["attribute", "value"]
    assert [line.split()[0] for line in lines[2:]] == ["id", "_version", "name"]


def test_items_table_has_one_column_per_attribute_and_blanks_for_absent_ones() -> None:
    lines = items_table([{"id": "1", "a": 1}, {"id": "2", "b": "x"}]).splitlines()
    assert lines[0].split() == ["id", "a", "b"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["1", "1"]
    assert lines[3].startswith("2")
    assert lines[3].rstrip().endswith("x")
    assert items_table([]) == "(no items)"


def test_tables_show_the_key_attributes_first_in_key_order_whole_and_bare() -> None:
    long_sort_key = "ORDER#" + "9" * 100
    item = {"total": 3, "SK": long_sort_key, "PK": "CUSTOMER#1", "_version": 1, "GSI1PK": "ORDER#42"}
    lines = item_table(item, key=("PK", "SK")).splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["PK", "SK", "GSI1PK", "_version", "total"]
    assert lines[3].split() == ["SK", long_sort_key]  # never cut: it is copied into the next command
    rows = items_table([item, {"PK": "CUSTOMER#2", "SK": "PROFILE"}], key=("PK", "SK")).splitlines()
    assert rows[0].split() == ["PK", "SK", "GSI1PK", "_version", "total"]
    assert rows[2].split()[:2] == ["CUSTOMER#1", long_sort_key]
    assert rows[3].split() == ["CUSTOMER#2", "PROFILE"]
    typed = [{"c": {"N": "21.5"}, "at": {"B": "AAE="}, "sensor": {"N": "7"}, "id": {"S": "x"}}]
    lines = items_table(typed, typed=True, key=("sensor", "at")).splitlines()
    assert lines[0].split() == ["sensor", "at", "c", "id"]
    assert lines[2].split() == ["7", "AAE=", '{"N":"21.5"}', '{"S":"x"}']  # only the key is bare


def test_the_server_message_is_kept_as_is() -> None:
    ours = _error_of(404, '{"error": {"code": "NotFound", "message": "No item has id \'x\'."}}')
    assert (ours.status, ours.code, ours.message) == (404, "NotFound", "No item has id 'x'.")
    gateway = _error_of(403, '{"message": "Forbidden"}')
    assert (gateway.code, gateway.message) == ("Gateway", "Forbidden")
    other = _error_of(502, "Bad gateway from a proxy")
    assert (other.code, other.message) == ("BadGateway", "Bad gateway from a proxy")


def test_the_client_refuses_a_url_that_is_not_http() -> None:
    with pytest.raises(ValueError, match="not an http"):
        ApiClient("ftp://example.com")


#: An item as ``GET /items/{id}?format=dynamodb`` returns it, parsed as the command parses it.
TYPED = {
    "id": {"S": "42"},
    "tags": {"SS": ["b", "a"]},
    "blob": {"B": "AAE="},
    "n": {"N": "12345678901234567890.5"},
    "nested": {"M": {"z": {"NS": ["1", "2"]}, "a": {"NULL": True}}},
    "_version": {"N": "3"},
}


def test_a_typed_value_splits_into_its_type_and_content() -> None:
    assert typed_parts({"SS": ["a", "b"]}) == ("SS", ["a", "b"])
    assert typed_parts({"NULL": True}) == ("NULL", True)
    assert typed_parts("plain") == ("", "plain")
    assert typed_parts({"a": 1, "b": 2}) == ("", {"a": 1, "b": 2})


def test_a_typed_item_table_has_a_column_of_types() -> None:
    lines = item_table(TYPED, typed=True).splitlines()
    assert lines[0].split() == ["attribute", "type", "value"]
    rows = [line.split(maxsplit=2) for line in lines[2:]]
    assert rows == [
        ["id", "S", "42"],
        ["_version", "N", "3"],
        ["blob", "B", "AAE="],
        ["n", "N", "12345678901234567890.5"],
        ["nested", "M", '{"a":{"NULL":true},"z":{"NS":["1","2"]}}'],
        ["tags", "SS", '["b","a"]'],
    ]


def test_a_typed_items_table_shows_each_cell_typed_but_the_id_bare() -> None:
    lines = items_table([TYPED, {"id": {"S": "43"}, "tags": {"L": [{"S": "a"}]}}], typed=True).splitlines()
    assert lines[0].split() == ["id", "_version", "blob", "n", "nested", "tags"]
    assert lines[2].startswith("42 ")
    assert '{"B":"AAE="}' in lines[2]
    assert lines[2].rstrip().endswith('{"SS":["b","a"]}')
    assert lines[3].startswith("43 ")
    assert lines[3].rstrip().endswith('{"L":[{"S":"a"}]}')


def test_the_format_option_sets_the_clients_item_format() -> None:
    both = argparse.ArgumentParser(parents=[api_options(), item_format_options()])
    plain = api_client(both.parse_args([]))
    typed = api_client(both.parse_args(["--format", "dynamodb"]))
    assert plain.item_format is None  # the API's default, so no query parameter is sent
    assert typed.item_format == "dynamodb"
    assert typed._item_path("a b") == "/items/a%20b?format=dynamodb"
    # A command without --format (export, import) keeps plain JSON.
    assert api_client(api_options().parse_args([])).item_format is None


#: What a hostile value holds: a window title (OSC 0), a clipboard write (OSC 52), a screen clear (CSI), the 8-bit
#: CSI (C1), DEL, a bell, and the bidirectional controls that make one text read as another.
HOSTILE = "a\x1b]0;pwned\x07b\x1b]52;c;cm0gLXJmIH4=\x07c\x1b[2Jd\x9b31me\x7ff\x00g"
BIDI = "".join(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C))


def _terminal_safe(text: str) -> bool:
    """Whether ``text`` holds no C0 control but newline, no DEL, no C1 control and no bidirectional control."""
    return not any((ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) <= 0x9F or char in BIDI for char in text)


def test_visible_escapes_every_control_and_bidi_character_and_keeps_the_rest() -> None:
    assert visible(HOSTILE) == "a\\x1b]0;pwned\\x07b\\x1b]52;c;cm0gLXJmIH4=\\x07c\\x1b[2Jd\\x9b31me\\x7ff\\x00g"
    assert visible("bidi-\u202egnp.exe") == "bidi-\\u202egnp.exe"
    assert visible(BIDI) == "".join(f"\\u{ord(char):04x}" for char in BIDI)
    assert visible("zero\u200bwidth \ufeff tag\U000e0041 \u2028") == "zero\\u200bwidth \\ufeff tag\\U000e0041 \\u2028"
    assert visible("two\nlines\tand\r") == "two\\nlines\\tand\\r"
    every_control = "".join(chr(code) for code in (*range(0x20), *range(0x7F, 0xA0)))
    assert _terminal_safe(visible(every_control))
    assert visible(every_control).isascii()
    # Printable text of any script, emoji, and backslashes already there, are left alone.
    for text in ("plain", "é ✓ 日本語 שלום مرحبا", "emoji 🎉", "C:\\dir\\file", "non\u00a0breaking"):
        assert visible(text) == text
    assert visible(visible(HOSTILE)) == visible(HOSTILE)


def test_table_cells_and_headers_show_controls_escaped() -> None:
    assert cell(HOSTILE, None) == visible(HOSTILE)
    assert cell({"k": "\u202e\x85"}) == '{"k":"\\u202e\\x85"}'
    long = cell("\x1b" * 100)
    assert len(long) == MAX_CELL
    assert long.startswith("\\x1b\\x1b")
    for table in (
        item_table({"id": "bidi-\u202egnp.exe", HOSTILE: HOSTILE}),
        item_table({"id": {"S": "\x1b[2J"}, "n\x9b": {"S\x07": HOSTILE}}, typed=True),
        items_table([{"id": "bidi-\u202egnp.exe", "a\x1b": HOSTILE}, {"id": "\x1b]0;x\x07"}]),
        items_table([{"id": {"S": "\u2066x\u2069"}, "v": {"S": HOSTILE}}], typed=True),
    ):
        assert _terminal_safe(table), table
    assert "bidi-\\u202egnp.exe" in item_table({"id": "bidi-\u202egnp.exe"})
    assert items_table([{"id": "bidi-\u202egnp.exe"}]).splitlines()[2] == "bidi-\\u202egnp.exe"


def test_error_messages_show_controls_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert fail(f"cannot read {HOSTILE}", Exit.USAGE) == Exit.USAGE
    server = _error_of(
        404, '{"error": {"code": "NotFound\\u001b[2J", "message": "No item has id \'\\u202ex\\u001b]0;t\\u0007\'."}}'
    )
    assert api_error(server) == Exit.NOT_FOUND
    assert api_error(Unreachable("cannot reach http://h\x1b[2J/")) == Exit.UNAVAILABLE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert _terminal_safe(captured.err)
    assert captured.err.splitlines() == [
        f"error: cannot read {visible(HOSTILE)}",
        "error: 404 NotFound\\x1b[2J: No item has id '\\u202ex\\x1b]0;t\\x07'.",
        "error: cannot reach http://h\\x1b[2J/",
    ]


# On a terminal a table is drawn by rich; anywhere else it stays the plain text scripts read.

#: Values a terminal must show as they are: rich markup, an emoji code, wide characters, emoji, long text.
AWKWARD = {
    "id": "[bold]42[/bold]",
    "name": "[red]Ada[/red] :smile: Lovelace\\",
    "city": "Zürich 日本語 🎉",
    "note": "word " * 30,
    "n": Decimal("1.50"),
}
SGR = re.compile(r"\x1b\[[0-9;]*m")


def draw(*, width: int = 120, color: bool = False) -> Console:
    """A forced terminal ``width`` columns wide writing to a string, as a person's terminal would get it."""
    return Console(force_terminal=True, file=io.StringIO(), width=width, color_system="truecolor" if color else None)


def drawn(console: Console) -> str:
    """What ``console`` was given to show."""
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def body_cells(text: str) -> list[list[str]]:
    """The cells of each line below a rich table's header rule, stripped."""
    lines = SGR.sub("", text).splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("├"))
    return [[part.strip() for part in line.split("│")[1:-1]] for line in lines[start + 1 : -1]]


def test_a_terminal_gets_a_boxed_table_whose_values_are_shown_literally() -> None:
    console = draw(color=True)
    print_table(item_grid(AWKWARD), console=console)
    text = drawn(console)
    # The header is bold; no value gets a colour, a style or an emoji of rich's.
    assert set(SGR.findall(text)) == {"\x1b[1m", "\x1b[0m"}
    assert all(SGR.sub("", line).startswith(("│", "╭", "├", "╰")) for line in text.splitlines())
    assert body_cells(text) == [
        ["id", "[bold]42[/bold]"],
        ["city", "Zürich 日本語 🎉"],
        ["n", "1.5"],
        ["name", "[red]Ada[/red] :smile: Lovelace\\"],
        ["note", cell(AWKWARD["note"], 80)],
    ]
    # Wide characters take two columns and the box stays straight.
    assert len({cell_len(line) for line in SGR.sub("", text).splitlines()}) == 1


def test_a_narrow_terminal_folds_long_cells_and_never_loses_a_character_of_the_key() -> None:
    key = "ORDER#" + "9" * 60
    console = draw(width=40)
    print_table(items_grid([{"PK": "CUSTOMER#1", "SK": key, "note": "word " * 10}], key=("PK", "SK")), console=console)
    text = drawn(console)
    assert max(cell_len(line) for line in text.splitlines()) <= 40
    rows = body_cells(text)
    assert "".join(row[1] for row in rows) == key
    assert "".join(row[0] for row in rows) == "CUSTOMER#1"


def test_a_terminal_table_shows_hidden_characters_escaped() -> None:
    console = draw(color=True)
    print_table(items_grid([{"id": "bidi-\u202egnp.exe", "a\x1b": HOSTILE}]), console=console)
    text = SGR.sub("", drawn(console))
    assert _terminal_safe(text)
    assert "bidi-\\u202egnp.exe" in text
    assert body_cells(text)[0][0] == "bidi-\\u202egnp.exe"


def test_a_terminal_is_told_when_there_are_no_items(capsys: pytest.CaptureFixture[str]) -> None:
    console = draw(color=True)
    print_table(items_grid([]), console=console)
    assert drawn(console) == NO_ITEMS + "\n"
    print_table(items_grid([]))
    assert capsys.readouterr().out == NO_ITEMS + "\n"


def test_without_a_terminal_a_table_is_the_plain_text_it_always_was(capsys: pytest.CaptureFixture[str]) -> None:
    items: list[dict[str, Any]] = [
        {"id": "42", "name": "Ada [bold]Lovelace[/bold]", "city": "Zürich 日本語", "note": "x" * 60},
        {"id": "43", "tags": ["a", "b"]},
    ]
    print_table(items_grid(items))
    assert capsys.readouterr().out == (
        "id  city        name                       note                                      tags\n"
        "--  ----------  -------------------------  ----------------------------------------  ---------\n"
        "42  Zürich 日本語  Ada [bold]Lovelace[/bold]  xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\n"
        '43                                                                                   ["a","b"]\n'
    )
    out = io.StringIO()
    print_table(item_grid(AWKWARD), out)
    assert out.getvalue() == item_table(AWKWARD) + "\n"


def test_rich_is_imported_only_to_draw_on_a_terminal() -> None:
    """``--help``, JSON output, plain tables and progress lines never pay rich's import."""
    code = """
import io, sys
from dynamodbmanager.cli import parser
from dynamodbmanager.cli.output import item_grid, print_table
from dynamodbmanager.datatools.progress import Progress
parser().format_help()
print_table(item_grid({"id": "1"}), io.StringIO())
progress = Progress("export", io.StringIO(), tty=False, interval=0)
progress.advance(1)
progress.finish()
print(sorted(name for name in sys.modules if name.split(".")[0] == "rich"))
Progress("export", io.StringIO(), tty=True, interval=0).finish()
print("rich" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == ["[]", "True"]
