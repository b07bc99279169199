"""``dynamodbmanager items`` against the local stack: every action, both outputs, and every exit status."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dynamodbmanager.cli import main
from dynamodbmanager.local.processes import free_port
from tests.conftest import ROOT, RunningStack
from tests.httpclient import call

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], stack: RunningStack, *argv: str) -> tuple[int, str, str]:
    """Run the command in-process against ``stack``; its exit status, stdout and stderr."""
    status = main([*argv, "--url", stack.url])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def new_id() -> str:
    return f"cli-{uuid.uuid4()}"


def test_put_get_patch_delete_round_trip_with_exact_numbers(
    stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    item_id = new_id()
    body = f'{{"id": "{item_id}", "n": 3.141592653589793238462643383279502884, "tags": ["a", {{"b": null}}]}}'
    status, out, _ = run(capsys, stack, "items", "put", body)
    assert status == 0
    assert out.strip() == (
        f'{{"id":"{item_id}","n":3.141592653589793238462643383279502884,"tags":["a",{{"b":null}}],"_version":1}}'
    )
    status, out, _ = run(capsys, stack, "items", "get", item_id)
    assert status == 0
    assert json.loads(out)["n"] == pytest.approx(3.14159)
    assert "3.141592653589793238462643383279502884" in out

    status, out, _ = run(capsys, stack, "items", "patch", item_id, '{"tags": null, "name": "pi"}', "--if-match", "1")
    assert status == 0
    assert json.loads(out) == {"id": item_id, "n": json.loads(out)["n"], "name": "pi", "_version": 2}

    status, _, err = run(capsys, stack, "items", "delete", item_id, "--if-match", '"2"')
    assert status == 0
    assert f"deleted '{item_id}'" in err
    assert call("GET", f"{stack.url}/items/{item_id}").status == 404


def test_json_comes_from_a_file_or_stdin(
    stack: RunningStack, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = new_id()
    path = tmp_path / "item.json"
    path.write_text(json.dumps({"from": "file"}))
    status, out, _ = run(capsys, stack, "items", "put", f"@{path}", "--id", item_id)
    assert status == 0
    assert json.loads(out) == {"id": item_id, "from": "file", "_version": 1}

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"from": "stdin"}'))
    status, out, _ = run(capsys, stack, "items", "patch", item_id)
    assert status == 0
    assert json.loads(out)["from"] == "stdin"


def test_put_without_an_id_lets_the_server_make_one(stack: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, stack, "items", "put", '{"name": "anonymous"}')
    assert status == 0
    created = json.loads(out)
    assert uuid.UUID(created["id"])
    assert call("GET", f"{stack.url}/items/{created['id']}").json()["name"] == "anonymous"


def test_table_output_is_readable(stack: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    item_id = new_id()
    run(capsys, stack, "items", "put", json.dumps({"id": item_id, "name": "Ada", "meta": {"x": 1}}))
    status, out, _ = run(capsys, stack, "items", "get", item_id, "--output", "table")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["attribute", "value"]
    assert lines[2].split() == ["id", item_id]
    assert ["meta", '{"x":1}'] in [line.split() for line in lines]


def test_list_pages_and_all_follow_the_cursor(stack: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = new_id()
    for n in range(7):
        call("PUT", f"{stack.url}/items/{prefix}-{n}", {"n": n})
    status, out, _ = run(capsys, stack, "items", "list", "--limit", "3")
    assert status == 0
    page = json.loads(out)
    assert len(page["items"]) <= 3
    assert page["next_cursor"]

    status, out, _ = run(capsys, stack, "items", "list", "--all", "--limit", "2")
    assert status == 0
    everything = json.loads(out)
    assert everything["next_cursor"] is None
    ids = [item["id"] for item in everything["items"]]
    assert len(ids) == len(set(ids))
    assert {f"{prefix}-{n}" for n in range(7)} <= set(ids)

    status, out, _ = run(capsys, stack, "items", "list", "--all", "--output", "jsonl")
    assert status == 0
    assert {f"{prefix}-{n}" for n in range(7)} <= {json.loads(line)["id"] for line in out.splitlines()}

    status, out, _ = run(capsys, stack, "items", "list", "--all", "--output", "table")
    assert status == 0
    assert out.splitlines()[0].split()[0] == "id"
    assert all(any(line.startswith(f"{prefix}-{n} ") for line in out.splitlines()) for n in range(7))


def test_not_found_is_exit_status_1(stack: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    missing = new_id()
    for action in (("get", missing), ("delete", missing), ("patch", missing, "{}")):
        status, out, err = run(capsys, stack, "items", *action)
        assert status == 1
        assert out == ""
        assert err == f"error: 404 NotFound: No item has id '{missing}'.\n"


def test_conflicts_are_exit_status_3(stack: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    item_id = new_id()
    assert run(capsys, stack, "items", "put", f'{{"id": "{item_id}"}}')[0] == 0
    status, _, err = run(capsys, stack, "items", "put", f'{{"id": "{item_id}"}}', "--create-only")
    assert status == 3
    assert "412 PreconditionFailed" in err
    status, _, err = run(capsys, stack, "items", "put", f'{{"id": "{item_id}"}}', "--if-match", "9")
    assert status == 3
    assert 'The item is at version "1"' in err
    status, _, _ = run(capsys, stack, "items", "delete", item_id, "--if-match", "9")
    assert status == 3
    status, _, err = run(capsys, stack, "items", "put", '{"name": "x"}', "--create-only", "--id", item_id)
    assert status == 3


def test_refused_input_is_exit_status_2_with_the_servers_message(
    stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, stack, "items", "list", "--limit", "0")
    assert status == 2
    assert err == "error: 400 InvalidLimit: limit must be an integer from 1 to 1000.\n"
    status, _, err = run(capsys, stack, "items", "put", '{"id": "a"}', "--id", "b")
    assert status == 2
    assert "IdMismatch" in err
    status, _, err = run(capsys, stack, "items", "put", "{oops")
    assert status == 2
    assert "not JSON" in err


def test_an_unreachable_api_is_exit_status_4(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["items", "get", "x", "--url", url]) == 4
    assert f"cannot reach {url}" in capsys.readouterr().err


def test_the_installed_command_reads_url_and_key_from_the_environment(stack: RunningStack) -> None:
    item_id = new_id()
    env = {**os.environ, "DYNAMODBMANAGER_URL": stack.url, "DYNAMODBMANAGER_API_KEY": "unused-locally"}
    command = [str(Path(sys.executable).with_name("dynamodbmanager")), "items"]
    put = subprocess.run(
        [*command, "put", "-"],
        check=False,
        input=f'{{"id": "{item_id}"}}',
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert put.returncode == 0, put.stderr
    got = subprocess.run([*command, "get", item_id], env=env, capture_output=True, text=True, check=False)
    assert got.returncode == 0
    assert json.loads(got.stdout) == {"id": item_id, "_version": 1}
    missing = subprocess.run([*command, "get", new_id()], env=env, capture_output=True, text=True, check=False)
    assert missing.returncode == 1
