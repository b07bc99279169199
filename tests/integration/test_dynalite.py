"""``local --data-dir``: dynalite keeps the table across a restart, and across a SIGKILL in the middle of an import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from dynamodbmanager.cli import main
from dynamodbmanager.datatools.import_ import Acknowledged, checkpoint_path
from dynamodbmanager.jsoncodec import loads
from dynamodbmanager.local.dynalite import NodeMissing, find_node
from dynamodbmanager.local.processes import ManagedProcess, free_port, port_is_free
from dynamodbmanager.store.attributes import deserialize
from tests.conftest import RunningStack, start_dynalite_stack
from tests.httpclient import call

pytestmark = pytest.mark.integration
#: Enough lines that the import is still running when the stack is killed.
IMPORT_LINES = 1500


def stored(stack: RunningStack) -> dict[str, dict[str, object]]:
    """Every item of the table as plain values, by id."""
    return {str(item["id"]): item for item in (deserialize(typed) for typed in stack.scan_all())}


def wait_until(condition: object, timeout: float, what: str) -> None:
    """Poll ``condition`` (a callable) until it holds; fail the test with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_the_table_survives_a_restart(lambda_zip: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_dynalite_stack(lambda_zip, data, "anything", tmp_path / "first.log")
    try:
        body = '{"n": 12345678901234567890.5}'
        assert call("PUT", f"{first.url}/items/kept", body, {"Content-Type": "application/json"}).status == 201
        assert call("PATCH", f"{first.url}/items/kept", {"tag": "x"}).status == 200
        # A second stack on the same directory is refused with LevelDB's reason, not left half-started.
        argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(free_port())]
        second_try = subprocess.run(
            [*argv, "--zip", str(lambda_zip), "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second_try.returncode == 4
        assert f"cannot open {data}: IO error: lock" in second_try.stderr
    finally:
        first.process.stop()
    assert "dynalite, kept in" in first.log_path.read_text()
    second = start_dynalite_stack(lambda_zip, data, "anything", tmp_path / "second.log")
    try:
        reply = call("GET", f"{second.url}/items/kept")
        assert reply.status == 200
        assert loads(reply.body) == {"id": "kept", "n": Decimal("12345678901234567890.5"), "tag": "x", "_version": 2}
        assert reply.header("ETag") == '"2"'
    finally:
        second.process.stop()


def test_everything_acknowledged_before_a_sigkill_is_there_after_restart(lambda_zip: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    port, emulator_port = free_port(), free_port()
    source = tmp_path / "items.jsonl"
    source.write_text(
        "".join(json.dumps({"id": f"line-{n}", "n": n, "pad": "x" * 200}) + "\n" for n in range(1, IMPORT_LINES + 1))
    )
    checkpoint = checkpoint_path(source)

    first = start_dynalite_stack(
        lambda_zip, data, "anything", tmp_path / "first.log", port=port, emulator_port=emulator_port
    )
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "import", "--from", str(source), "--url", first.url]
    with (tmp_path / "import.log").open("wb") as log:
        importer = ManagedProcess([*argv, "--no-progress"], stdout=log, stderr=subprocess.STDOUT)
    try:

        def acknowledged_some() -> bool:
            return checkpoint.exists() and json.loads(checkpoint.read_text())["line"] >= 150

        wait_until(acknowledged_some, 120, "the import to acknowledge 150 lines")
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.process.wait(10)
        assert importer.process.wait(120) == 4
    finally:
        importer.stop()
        first.process.stop()
    said = (tmp_path / "import.log").read_text()
    assert "run the same command with --resume" in said

    state = json.loads(checkpoint.read_text())
    acknowledged = Acknowledged(state["line"], [tuple(pair) for pair in state["beyond"]])
    assert 150 <= acknowledged.line < IMPORT_LINES
    # dynalite notices its stack is gone and exits, freeing the data directory (and its port).
    wait_until(lambda: port_is_free(emulator_port), 30, "the old dynalite to exit")

    second = start_dynalite_stack(
        lambda_zip, data, "anything", tmp_path / "second.log", port=port, emulator_port=emulator_port
    )
    try:
        after_restart = stored(second)
        for line in range(1, IMPORT_LINES + 1):
            if acknowledged.covers(line):
                assert after_restart[f"line-{line}"] == {
                    "id": f"line-{line}",
                    "n": line,
                    "pad": "x" * 200,
                    "_version": 1,
                }
        assert main(["import", "--from", str(source), "--url", second.url, "--resume", "--no-progress"]) == 0
        final = stored(second)
        assert set(final) == {f"line-{n}" for n in range(1, IMPORT_LINES + 1)}
        # Written once: a second PUT of an acknowledged line would have made it version 2.
        assert all(final[f"line-{n}"]["_version"] == 1 for n in range(1, IMPORT_LINES + 1) if acknowledged.covers(n))
        assert not checkpoint.exists()
    finally:
        second.process.stop()


def test_without_node_the_stack_says_what_to_install(lambda_zip: Path, tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(lambda_zip)]
    result = subprocess.run(
        [*argv, "--data-dir", str(tmp_path / "data")],
        env={**os.environ, "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "`node` is not on PATH" in result.stderr
    assert "Install Node.js 20 or later with npm" in result.stderr
    assert port_is_free(port)


def test_an_old_node_is_refused_with_its_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\necho v18.19.1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NodeMissing, match=r"needs Node.js 20\+; .*node is version 18"):
        find_node()
