"""Export and import file formats: JSON Lines and CSV, exact numbers, stable bytes, line numbers, progress."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings

from dynamodbmanager.datatools.formats import (
    csv_cell,
    dump_item,
    format_of,
    open_output,
    read_csv,
    read_jsonl,
)
from dynamodbmanager.datatools.import_ import check_item
from dynamodbmanager.datatools.progress import Progress
from dynamodbmanager.jsoncodec import loads
from tests.strategies import items as item_strategy
from tests.strategies import values


def test_format_comes_from_the_name_unless_given() -> None:
    assert format_of("a.csv") == "csv"
    assert format_of("A.CSV") == "csv"
    assert format_of("a.jsonl") == "jsonl"
    assert format_of("-") == "jsonl"
    assert format_of("a.csv", "jsonl") == "jsonl"


def test_a_line_has_id_first_sorted_attributes_and_exact_numbers() -> None:
    item = {"z": {"b": 1, "a": 2}, "id": "x", "n": Decimal("12345678901234567890123456789012345678")}
    assert dump_item(item) == '{"id":"x","n":12345678901234567890123456789012345678,"z":{"a":2,"b":1}}'


def test_huge_integers_keep_their_exponent_so_they_read_back_into_dynamodb() -> None:
    line = dump_item({"id": "x", "n": Decimal("1E+100"), "m": Decimal("-2.5E+40")})
    assert line == '{"id":"x","m":-2.5E+40,"n":1E+100}'
    assert check_item(loads(line))["n"] == {"N": "1E+100"}


def test_unicode_line_separators_are_escaped_so_an_item_is_one_line() -> None:
    line = dump_item({"id": "a\u2028b", "t": "\x85\u2029"})
    assert line == '{"id":"a\\u2028b","t":"\\u0085\\u2029"}'
    assert len(line.splitlines()) == 1


@settings(deadline=None)  # a loaded machine must not fail a test on time
@given(item_strategy())
def test_the_same_item_in_any_attribute_order_gives_the_same_line(item: dict[str, Any]) -> None:
    reordered = dict(reversed(list(item.items())))
    assert dump_item(reordered) == dump_item(item)


def test_json_lines_are_numbered_and_bad_ones_say_why() -> None:
    data = b'{"id": "a"}\n\nnot json\n[1]\n{"id": "b", "n": 1.5}\n'
    records = list(read_jsonl(io.BytesIO(data)))
    assert [r.line for r in records] == [1, 3, 4, 5]
    assert records[0].item == {"id": "a"}
    assert records[1].item is None
    assert records[1].error is not None
    assert "not valid JSON" in records[1].error
    assert records[2].error == "The line is not a JSON object."
    assert records[3].item == {"id": "b", "n": Decimal("1.5")}
    assert records[-1].offset == len(data)


def test_reading_skips_lines_up_to_a_checkpoint() -> None:
    data = b"".join(b'{"id": "%d"}\n' % n for n in range(1, 11))
    assert [r.line for r in read_jsonl(io.BytesIO(data), skip_to=7)] == [8, 9, 10]


def test_csv_rows_are_numbered_and_cells_typed() -> None:
    data = b'id,n,s,m,gone\n1,42,hello,"{""a"":[true,null]}",\n2,"""007""",,null,x\nshort\n'
    records = list(read_csv(io.BytesIO(data)))
    assert [r.line for r in records] == [2, 3, 4]
    assert records[0].item == {"id": "1", "n": 42, "s": "hello", "m": {"a": [True, None]}}
    assert records[1].item == {"id": "2", "n": "007", "m": None, "gone": "x"}
    assert records[2].error == "The row has 1 cells; the header has 5."


def test_a_csv_header_with_a_repeated_column_is_refused() -> None:
    records = list(read_csv(io.BytesIO(b"id,a,a\n1,2,3\n")))
    assert len(records) == 1
    assert records[0].error is not None
    assert "repeated" in records[0].error


@settings(deadline=None)  # a loaded machine must not fail a test on time
@given(values)
def test_every_value_reads_back_from_its_csv_cell(value: Any) -> None:
    written = csv_cell(value)
    header = "id,v\n"
    row = io.StringIO()
    csv.writer(row, lineterminator="\r\n").writerow(["x", written])
    records = list(read_csv(io.BytesIO((header + row.getvalue()).encode("utf-8", errors="surrogateescape"))))
    assert records[0].item == {"id": "x", "v": value}


def test_ids_and_values_with_line_breaks_survive_csv(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    writer = open_output(str(target), "csv")
    item = {"id": "\rline\nbreaks\r\n", "text": "a\rb", "n": {"k\n": "v\r"}}
    writer.write(item)
    writer.close()
    assert [r.item for r in read_csv(io.BytesIO(target.read_bytes()))] == [item]


def test_strings_that_look_like_json_are_quoted_in_csv() -> None:
    assert csv_cell("hello") == "hello"
    assert csv_cell("123") == '"123"'
    assert csv_cell("true") == '"true"'
    assert csv_cell("") == '""'
    assert csv_cell(" padded ") == '" padded "'
    assert csv_cell(Decimal("1E+100")) == "1E+100"


def test_a_file_gets_its_name_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    writer = open_output(str(target), "jsonl")
    writer.write({"id": "a"})
    assert not target.exists()
    assert (tmp_path / "out.jsonl.partial").exists()
    writer.close()
    assert target.read_text() == '{"id":"a"}\n'
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_an_aborted_export_leaves_only_the_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    writer = open_output(str(target), "jsonl")
    writer.write({"id": "a"})
    writer.abort()
    assert not target.exists()
    assert (tmp_path / "out.jsonl.partial").read_text() == '{"id":"a"}\n'


def test_csv_columns_are_the_union_of_all_items_id_first(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    writer = open_output(str(target), "csv")
    writer.write({"id": "1", "b": 2})
    writer.write({"id": "2", "a": {"x": 1}})
    writer.close()
    records = list(read_csv(io.BytesIO(target.read_bytes())))
    assert [r.item for r in records] == [{"id": "1", "b": 2}, {"id": "2", "a": {"x": 1}}]
    assert target.read_bytes() == b'id,a,b\r\n1,,2\r\n2,"{""x"":1}",\r\n'
    assert list(tmp_path.iterdir()) == [target]


def test_progress_redraws_in_place_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("import", stream, tty=True, interval=0)
    progress.advance(10, 0.5)
    progress.message("line 3: skipped: bad")
    progress.advance(5, 1.0)
    progress.finish()
    text = stream.getvalue()
    assert text.startswith("\r\x1b[Kimport: [############............]  50%  10 items")
    assert "\r\x1b[Kline 3: skipped: bad\n" in text
    assert text.endswith("\n")
    assert "100%  15 items" in text.splitlines()[-1]


def test_progress_prints_plain_lines_elsewhere() -> None:
    stream = io.StringIO()
    progress = Progress("export", stream, tty=False, interval=0)
    progress.advance(1000)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("export: 1,000 items  ") and "items/s" in line for line in lines)
    assert "\r" not in stream.getvalue()


def test_no_progress_prints_nothing() -> None:
    stream = io.StringIO()
    progress = Progress("export", stream, tty=True, interval=0, enabled=False)
    progress.advance(3)
    progress.finish()
    assert stream.getvalue() == ""
