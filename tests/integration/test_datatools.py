"""export and import against the local stack: through the API and directly, JSON Lines and CSV, byte for byte."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
from dynamodbmanager.store.attributes import deserialize
from tests.conftest import RunningStack, start_stack
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
    assert cli("import", "--from", str(path), "--url", source.url) == 0
    err = capsys.readouterr().err
    assert "line 2: skipped: The line is not valid JSON" in err
    assert "line 3: skipped: The key attribute 'id' must not be empty." in err
    assert "import: written 2, skipped 2, failed 0" in err
    assert set(plain_items(source)) == {"good-1", "good-2"}

    source.clear()
    assert cli("import", "--from", str(path), "--url", source.url, "--strict") == 2
    err = capsys.readouterr().err
    assert "error: import stopped: line 2: The line is not valid JSON" in err
    assert "--resume" in err
    assert set(plain_items(source)) == {"good-1"}
    path.write_text("\n".join([lines[0], '{"id": "fixed"}', *lines[2:]]) + "\n")
    assert cli("import", "--from", str(path), "--url", source.url, "--resume") == 0
    assert "resumed after line 1" in capsys.readouterr().err
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
