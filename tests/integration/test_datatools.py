"""export and import against the local stack: through the API and directly, every format, every type, byte for byte."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamodbmanager.cli import main
from dynamodbmanager.datatools.import_ import checkpoint_path
from dynamodbmanager.jsoncodec import dumps, loads
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.processes import ManagedProcess, free_port
from dynamodbmanager.schema import create_table_parameters, load_definition
from dynamodbmanager.store.attributes import deserialize
from tests.conftest import ROOT, RunningStack, start_stack
from tests.integration import backends
from tests.strategies import items as item_strategy

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stacks(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningStack, RunningStack]]:
    """Two stacks, each on a table of its own: the source and the destination of a copy."""
    logs = tmp_path_factory.mktemp("datatools")
    source = start_stack(lambda_zip, emulator, "datatools-source", logs / "source.log")
    try:
        destination = start_stack(lambda_zip, emulator, "datatools-destination", logs / "destination.log")
        try:
            yield source, destination
        finally:
            destination.process.stop()
    finally:
        source.process.stop()


def cli(*argv: str) -> int:
    """Run the command in-process, without progress output."""
    return main([*argv, "--no-progress"])


def direct(stack: RunningStack) -> list[str]:
    return ["--direct", "--endpoint-url", stack.emulator.url, "--table", stack.table_name]


def plain_items(stack: RunningStack) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in (deserialize(typed) for typed in stack.scan_all())}


def sorted_lines(path: Path) -> list[bytes]:
    return sorted(path.read_bytes().split(b"\n"))


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return rows[0], sorted(rows[1:])


unique_items = st.lists(item_strategy(), min_size=1, max_size=25, unique_by=lambda item: item["id"])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unique_items)
def test_export_import_export_is_byte_for_byte(
    stacks: tuple[RunningStack, RunningStack], generated: list[dict[str, Any]]
) -> None:
    source, destination = stacks
    source.clear()
    destination.clear()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "generated.jsonl").write_text("".join(dumps(item) + "\n" for item in generated))
        # Through the API: every item as it was generated, exact, at version 1.
        assert cli("import", "--from", str(folder / "generated.jsonl"), "--url", source.url) == 0
        assert cli("export", "--to", str(folder / "api.jsonl"), "--url", source.url, "--page-size", "4") == 0
        exported = [loads(line) for line in (folder / "api.jsonl").read_text(encoding="utf-8").split("\n") if line]
        assert sorted(exported, key=lambda i: i["id"]) == sorted(
            ({**item, "_version": 1} for item in generated), key=lambda i: i["id"]
        )
        # Directly, JSON Lines: the copy exports to the very same lines.
        assert cli("import", "--from", str(folder / "api.jsonl"), *direct(destination)) == 0
        assert cli("export", "--to", str(folder / "direct.jsonl"), *direct(destination), "--segments", "3") == 0
        assert sorted_lines(folder / "direct.jsonl") == sorted_lines(folder / "api.jsonl")
        # Through the API again, into an empty table: same lines, versions included.
        destination.clear()
        assert cli("import", "--from", str(folder / "api.jsonl"), "--url", destination.url) == 0
        assert cli("export", "--to", str(folder / "again.jsonl"), "--url", destination.url) == 0
        assert sorted_lines(folder / "again.jsonl") == sorted_lines(folder / "api.jsonl")
        # CSV: export, import, export gives the same header and the same rows.
        assert cli("export", "--to", str(folder / "one.csv"), "--url", source.url) == 0
        destination.clear()
        assert cli("import", "--from", str(folder / "one.csv"), *direct(destination)) == 0
        assert cli("export", "--to", str(folder / "two.csv"), *direct(destination)) == 0
        assert csv_rows(folder / "two.csv") == csv_rows(folder / "one.csv")
        assert plain_items(destination) == plain_items(source)


def test_import_reports_bad_lines_and_strict_stops(
    stacks: tuple[RunningStack, RunningStack], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, _ = stacks
    source.clear()
    lines = ['{"id": "good-1"}', "{oops", '{"id": ""}', '{"id": "good-2", "x": [1, 2]}']
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert cli("import", "--from", str(path), "--url", source.url) == 2
    err = capsys.readouterr().err
    assert "line 2: not imported: The line is not valid JSON" in err
    assert "line 3: not imported: The key attribute 'id' must not be empty." in err
    assert "import: written 2, not imported 2, failed 0" in err
    assert "error: 2 lines could not be imported (reported above)" in err
    assert set(plain_items(source)) == {"good-1", "good-2"}

    source.clear()
    assert cli("import", "--from", str(path), "--url", source.url, "--strict") == 2
    err = capsys.readouterr().err
    assert "error: import stopped: line 2: The line is not valid JSON" in err
    assert "--resume" in err
    assert set(plain_items(source)) == {"good-1"}
    path.write_text("\n".join([lines[0], '{"id": "fixed"}', *lines[2:]]) + "\n")
    # Resumed, the line still bad is reported again; the rest is written.
    assert cli("import", "--from", str(path), "--url", source.url, "--resume") == 2
    err = capsys.readouterr().err
    assert "import (resumed after line 1): written 2, not imported 1" in err
    assert "line 3: not imported: The key attribute 'id' must not be empty." in err
    assert "error: 1 line could not be imported" in err
    assert set(plain_items(source)) == {"good-1", "fixed", "good-2"}
    assert {item["_version"] for item in plain_items(source).values()} == {1}


def test_export_to_standard_output(
    stacks: tuple[RunningStack, RunningStack], capsys: pytest.CaptureFixture[str]
) -> None:
    source, _ = stacks
    source.clear()
    assert main(["items", "put", '{"id": "only", "n": 1E+100}', "--url", source.url]) == 0
    capsys.readouterr()
    assert cli("export", "--to", "-", "--url", source.url) == 0
    captured = capsys.readouterr()
    assert captured.out == '{"id":"only","_version":1,"n":1E+100}\n'
    assert "exported 1 items to standard output" in captured.err


def test_export_failures_have_their_exit_status(
    stacks: tuple[RunningStack, RunningStack], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, _ = stacks
    target = tmp_path / "out.jsonl"
    unreachable = f"http://127.0.0.1:{free_port()}"
    assert cli("export", "--to", str(target), "--url", unreachable) == 4
    assert f"cannot reach {unreachable}" in capsys.readouterr().err
    assert not target.exists()
    missing = ["--direct", "--endpoint-url", source.emulator.url, "--table", "no-such-table"]
    assert cli("export", "--to", str(target), *missing) == 1
    assert "ResourceNotFound" in capsys.readouterr().err
    assert cli("import", "--from", str(tmp_path / "nothing.jsonl"), "--url", source.url) == 2


def test_ctrl_c_stops_an_import_that_resume_then_completes(
    stacks: tuple[RunningStack, RunningStack], tmp_path: Path
) -> None:
    source, _ = stacks
    source.clear()
    path = tmp_path / "many.jsonl"
    path.write_text("".join(f'{{"id": "many-{n}", "n": {n}}}\n' for n in range(1, 1001)))
    checkpoint = checkpoint_path(path)
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "import", "--from", str(path), "--url", source.url]
    with (tmp_path / "import.log").open("wb") as log:
        importer = ManagedProcess([*argv, "--no-progress"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (checkpoint.exists() and json.loads(checkpoint.read_text())["line"] >= 100):
            assert time.monotonic() < deadline, "the import acknowledged nothing in time"
            time.sleep(0.05)
        os.kill(importer.pid, signal.SIGINT)
        assert importer.process.wait(60) == 130
    finally:
        importer.stop()
    said = (tmp_path / "import.log").read_text()
    assert "error: interrupted" in said
    state = json.loads(checkpoint.read_text())
    assert 100 <= state["line"] < 1000
    assert cli("import", "--from", str(path), "--url", source.url, "--resume") == 0
    final = plain_items(source)
    assert set(final) == {f"many-{n}" for n in range(1, 1001)}
    assert all(final[f"many-{n}"]["_version"] == 1 for n in range(1, state["line"] + 1))


# Every type DynamoDB holds, written with the low-level client and compared with it, type by type.

#: Every test below runs on both local DynamoDB backends, against the session's stack and its table.
backend, stack = backends.BACKEND, backends.STACK

FORTY_ONE_DIGITS = "1" + "0" * 40
#: Two items holding the ten types, at the top and nested in maps and lists, and DynamoDB's 41-digit 1E+40.
EVERY_TYPE: list[dict[str, Any]] = [
    {
        "id": {"S": "lossless-1"},
        "s": {"S": "text ünïcode"},
        "n": {"N": FORTY_ONE_DIGITS},
        "f": {"N": "-12345678901234567890.123456789012345678"},
        "b": {"B": b"\x00\x01\xfe\xff"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "ss": {"SS": ["b", "a", "c"]},
        "ns": {"NS": ["10", "-2.5", "1E+100", FORTY_ONE_DIGITS]},
        "bs": {"BS": [b"\x02", b"\x01", b"\x00"]},
        "l": {"L": [{"S": "x"}, {"B": b"\x07"}, {"SS": ["y"]}, {"NS": ["1"]}, {"BS": [b"\x08"]}, {"L": []}]},
        "m": {
            "M": {
                "b": {"B": b"\x09"},
                "deep": {"M": {"ss": {"SS": ["p", "q"]}, "n": {"N": FORTY_ONE_DIGITS}, "f": {"BOOL": False}}},
                "list": {"L": [{"M": {"bs": {"BS": [b"\x0a", b"\x0b"]}, "z": {"NULL": True}}}]},
            }
        },
    },
    {"id": {"S": "lossless-2"}, "only": {"BS": [b"\xff"]}, "empty": {"M": {}}},
]


def put_directly(target: RunningStack, items: list[dict[str, Any]]) -> None:
    """Write typed items with the low-level client, as another writer would, bypassing the service."""
    dynamodb = target.emulator.client("dynamodb")
    for item in items:
        dynamodb.put_item(TableName=target.table_name, Item=item)


def same_value(stored: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """One typed value as expected: the same type; numbers by value, sets as sets, everything else exactly."""
    assert list(stored) == list(expected), f"{where}: {stored} is not of the type of {expected}"
    ((kind, got),) = stored.items()
    want = expected[kind]
    if kind == "N":
        assert Decimal(got) == Decimal(want), where
    elif kind == "NS":
        assert {Decimal(n) for n in got} == {Decimal(n) for n in want}, where
    elif kind in ("SS", "BS"):
        assert sorted(got) == sorted(want), where
        assert len(set(got)) == len(got), where
    elif kind == "M":
        assert set(got) == set(want), where
        for name in want:
            same_value(got[name], want[name], f"{where}.{name}")
    elif kind == "L":
        assert len(got) == len(want), where
        for index, (member, wanted) in enumerate(zip(got, want, strict=True)):
            same_value(member, wanted, f"{where}[{index}]")
    else:
        assert got == want, where


def assert_stored(target: RunningStack, expected: list[dict[str, Any]]) -> None:
    """The table holds exactly ``expected``, attribute by attribute and type by type (versions aside)."""
    scanned: list[dict[str, Any]] = target.scan_all()
    stored = {item["id"]["S"]: item for item in scanned}
    assert set(stored) == {item["id"]["S"] for item in expected}
    for item in expected:
        found = {name: value for name, value in stored[item["id"]["S"]].items() if name != "_version"}
        assert set(found) == set(item)
        for name, value in item.items():
            same_value(found[name], value, f"{item['id']['S']}.{name}")


def test_every_type_survives_export_and_import_in_dynamodb_json(stack: RunningStack, tmp_path: Path) -> None:
    stack.clear()
    put_directly(stack, EVERY_TYPE)
    through_api, direct_scan = tmp_path / "api.json", tmp_path / "direct.json"
    assert cli("export", "--to", str(through_api), "--format", "dynamodb-json", "--url", stack.url) == 0
    assert cli("export", "--to", str(direct_scan), "--format", "dynamodb-json", *direct(stack)) == 0
    # Both ways read the same typed items and write the same bytes: key first, sorted, binary in base64.
    assert sorted_lines(direct_scan) == sorted_lines(through_api)
    lines = through_api.read_text(encoding="utf-8").splitlines()
    assert sorted(line[: len('{"Item":{"id":{"S":"lossless-1"}')] for line in lines) == [
        '{"Item":{"id":{"S":"lossless-1"}',
        '{"Item":{"id":{"S":"lossless-2"}',
    ]
    stack.clear()
    assert cli("import", "--from", str(through_api), *direct(stack)) == 0
    assert_stored(stack, EVERY_TYPE)
    stack.clear()
    assert cli("import", "--from", str(direct_scan), "--url", stack.url) == 0
    assert_stored(stack, EVERY_TYPE)
    stack.clear()


def test_an_aws_export_directory_of_gzip_files_imports_every_type(stack: RunningStack, tmp_path: Path) -> None:
    stack.clear()
    data = tmp_path / "bucket" / "AWSDynamoDBexport" / "01700000000000-abcdef01" / "data"
    data.mkdir(parents=True)
    (data.parent / "manifest-summary.json").write_text('{"version": "2020-06-30", "itemCount": 2}')
    (data.parent / "manifest-files.json").write_text('{"itemCount": 2, "dataFileS3Key": "data/a.json.gz"}\n')
    for name, item in zip(("a.json.gz", "b.json.gz"), EVERY_TYPE, strict=True):
        line = dumps({"Item": item}) + "\n"  # binary as base64, as AWS writes it
        (data / name).write_bytes(gzip.compress(line.encode("utf-8")))
    assert cli("import", "--from", str(tmp_path / "bucket"), "--url", stack.url) == 0
    assert_stored(stack, EVERY_TYPE)
    stack.clear()


def test_plain_formats_refuse_a_set_and_keep_numbers_of_41_digits(
    stack: RunningStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.clear()
    plain = {"id": {"S": "plain"}, "n": {"N": FORTY_ONE_DIGITS}, "m": {"M": {"n": {"N": FORTY_ONE_DIGITS}}}}
    put_directly(stack, [plain, {"id": {"S": "with-set"}, "m": {"M": {"tags": {"SS": ["a"]}}}}])
    for target, way in ((tmp_path / "out.jsonl", ["--url", stack.url]), (tmp_path / "out.csv", direct(stack))):
        assert cli("export", "--to", str(target), *way) == 2
        err = capsys.readouterr().err
        assert (
            f"item id 'with-set': attribute 'm.tags' is a string set (SS), which {target.suffix[1:]} cannot keep" in err
        )
        assert "--format dynamodb-json" in err
        assert not target.exists()
    assert cli("export", "--to", str(tmp_path / "lossy.jsonl"), "--url", stack.url, "--allow-lossy") == 0
    assert "warning: --allow-lossy: 1 of the values written (sets, binary) will read back as lists" in (
        capsys.readouterr().err
    )
    # Without the set, JSON Lines carries DynamoDB's 41 digits there and back.
    stack.emulator.client("dynamodb").delete_item(TableName=stack.table_name, Key={"id": {"S": "with-set"}})
    assert cli("export", "--to", str(tmp_path / "out.jsonl"), "--url", stack.url) == 0
    stack.clear()
    assert cli("import", "--from", str(tmp_path / "out.jsonl"), "--url", stack.url) == 0
    assert_stored(stack, [plain])
    stack.clear()


# Any table design: the single-table example (PK/SK, a GSI, a sparse KEYS_ONLY GSI, an LSI), on a stack run with
# ``--table-definition``. The table is created here first, from the same file, so the direct tools can reach it.

SHOP_DEFINITION = ROOT / "examples" / "single-table.json"
#: Orders and a profile of two customers: every type, keys that need percent-encoding, a sparse index attribute.
#: The 41 digits are on an order no scanned index holds: moto projects index items through boto3, which refuses them.
SHOP: list[dict[str, Any]] = [
    {
        "PK": {"S": "CUSTOMER#1"},
        "SK": {"S": "PROFILE"},
        "GSI1PK": {"S": "EMAIL#ada@example.com"},
        "GSI1SK": {"S": "CUSTOMER#1"},
        "name": {"S": "Ada"},
        "tags": {"SS": ["vip", "early"]},
        "avatar": {"B": b"\x89PNG\x00\xff"},
    },
    {
        "PK": {"S": "CUSTOMER#1"},
        "SK": {"S": "ORDER#1"},
        "status": {"S": "OPEN"},
        "createdAt": {"S": "2026-01-01"},
        "total": {"N": "-12345678901234567890.123456789012345678"},
        "lines": {"L": [{"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}, "sizes": {"NS": ["38", "39.5"]}}}]},
    },
    {
        "PK": {"S": "CUSTOMER#1"},
        "SK": {"S": "ORDER#2"},
        "createdAt": {"S": "2026-02-01"},
        "total": {"N": FORTY_ONE_DIGITS},
    },
    {
        "PK": {"S": "CUSTOMER #2 ü?"},
        "SK": {"S": "ORDER#1 100%"},
        "status": {"S": "OPEN"},
        "createdAt": {"S": "2026-03-01"},
        "gift": {"BOOL": True},
        "note": {"NULL": True},
        "parts": {"BS": [b"\x01", b"\x02"]},
    },
]


def shop_key(item: dict[str, Any]) -> tuple[str, str]:
    return item["PK"]["S"], item["SK"]["S"]


def shop_items(target: RunningStack) -> list[dict[str, Any]]:
    """Every item of the shop table, typed as the low-level client reads it."""
    client = target.emulator.client("dynamodb")
    pages = client.get_paginator("scan").paginate(TableName=target.table_name, ConsistentRead=True)
    return [item for page in pages for item in page["Items"]]


def clear_shop(target: RunningStack) -> None:
    client = target.emulator.client("dynamodb")
    for item in shop_items(target):
        client.delete_item(TableName=target.table_name, Key={"PK": item["PK"], "SK": item["SK"]})


def assert_shop_stored(target: RunningStack, expected: list[dict[str, Any]]) -> None:
    """The shop table holds exactly ``expected``, attribute by attribute and type by type (versions aside)."""
    stored = {shop_key(item): item for item in shop_items(target)}
    assert set(stored) == {shop_key(item) for item in expected}
    for item in expected:
        found = {name: value for name, value in stored[shop_key(item)].items() if name != "_version"}
        assert set(found) == set(item)
        for name, value in item.items():
            same_value(found[name], value, f"{shop_key(item)}.{name}")


@pytest.fixture(scope="module")
def shop(lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack serving the single-table design on a table of its own, created here from the same definition."""
    table = f"datatools-shop-{uuid.uuid4().hex[:6]}"
    emulator.client("dynamodb").create_table(**create_table_parameters(load_definition(SHOP_DEFINITION), table))
    log = tmp_path_factory.mktemp("datatools-shop") / "local.log"
    running = start_stack(lambda_zip, emulator, table, log, "--table-definition", str(SHOP_DEFINITION))
    try:
        yield running
    finally:
        running.process.stop()


def test_a_single_table_design_round_trips_through_the_api_and_directly(shop: RunningStack, tmp_path: Path) -> None:
    clear_shop(shop)
    put_directly(shop, SHOP)
    through_api, direct_scan = tmp_path / "api.json", tmp_path / "direct.json"
    assert cli("export", "--to", str(through_api), "--format", "dynamodb-json", "--url", shop.url) == 0
    assert cli("export", "--to", str(direct_scan), "--format", "dynamodb-json", *direct(shop)) == 0
    assert sorted_lines(direct_scan) == sorted_lines(through_api)
    # Every line leads with the table's key, partition then sort, then the other attributes by name.
    for line in through_api.read_text(encoding="utf-8").splitlines():
        names = list(loads(line)["Item"])
        assert names[:2] == ["PK", "SK"]
        assert names[2:] == sorted(names[2:])
    clear_shop(shop)
    assert cli("import", "--from", str(through_api), "--url", shop.url) == 0
    assert_shop_stored(shop, SHOP)
    clear_shop(shop)
    assert cli("import", "--from", str(direct_scan), *direct(shop)) == 0
    assert_shop_stored(shop, SHOP)


def test_an_index_exports_only_what_its_projection_holds(shop: RunningStack, tmp_path: Path) -> None:
    clear_shop(shop)
    put_directly(shop, SHOP)
    through_api, direct_scan = tmp_path / "api.json", tmp_path / "direct.json"
    index = ["--index", "open-orders", "--format", "dynamodb-json"]
    assert cli("export", "--to", str(through_api), *index, "--url", shop.url, "--segments", "2") == 0
    assert cli("export", "--to", str(direct_scan), *index, *direct(shop)) == 0
    assert sorted_lines(direct_scan) == sorted_lines(through_api)
    # A sparse KEYS_ONLY index: the items with a status, and only the table's and the index's keys.
    exported = [loads(line)["Item"] for line in through_api.read_text(encoding="utf-8").splitlines()]
    assert sorted(exported, key=shop_key) == sorted(
        ({name: item[name] for name in ("PK", "SK", "status")} for item in SHOP if "status" in item), key=shop_key
    )


def test_a_parallel_export_through_the_api_is_the_same_file_every_time(
    shop: RunningStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_shop(shop)
    put_directly(shop, [{**item, "PK": {"S": f"{item['PK']['S']}-{n}"}} for item in SHOP for n in range(3)])
    paging = ["--segments", "3", "--page-size", "2"]
    first, second, scanned = tmp_path / "first.jsonl", tmp_path / "second.jsonl", tmp_path / "direct.jsonl"
    for target in (first, second):
        assert cli("export", "--to", str(target), "--allow-lossy", *paging, "--url", shop.url) == 0
    assert cli("export", "--to", str(scanned), "--allow-lossy", *paging, *direct(shop)) == 0
    # The same segments and pages give the same bytes, whichever worker is faster, through the API or not.
    assert first.read_bytes() == second.read_bytes() == scanned.read_bytes()
    assert len(first.read_bytes().splitlines()) == 3 * len(SHOP)
    assert cli("export", "--to", "-", "--index", "nope", "--url", shop.url) == 2
    assert "has no index 'nope'; its indexes: GSI1, by-created, open-orders" in capsys.readouterr().err
