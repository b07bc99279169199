"""``dynamodbmanager items`` against the local stack: every action, both outputs, and every exit status."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from dynamodbmanager.cli import main
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.processes import free_port
from tests.conftest import ROOT, RunningStack, start_stack
from tests.httpclient import call

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], stack: RunningStack, *argv: str) -> tuple[int, str, str]:
    """Run the command in-process against ``stack``; its exit status, stdout and stderr."""
    status = main([*argv, "--url", stack.url])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def new_id() -> str:
    """A fresh item id, so tests never meet each other's items."""
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


#: Every DynamoDB type at the top level, and again nested in maps and lists; binary as the low-level client takes it.
EVERY_TYPE: dict[str, Any] = {
    "s": {"S": "text é ✓"},
    "n": {"N": "12345678901234567890123456789012345678"},
    "small": {"N": "-0.000125"},
    "b": {"B": b"\x00\x01\xfe\xff"},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "ss": {"SS": ["red", "blue"]},
    "ns": {"NS": ["1", "2.5", "-7"]},
    "bs": {"BS": [b"\x00", b"\xff\x10"]},
    "m": {
        "M": {
            "ss": {"SS": ["x"]},
            "b": {"B": b"\x02"},
            "deeper": {"M": {"bs": {"BS": [b"\x03"]}, "ns": {"NS": ["9"]}}},
            "l": {"L": [{"NS": ["7"]}, {"BS": [b"\x04"]}, {"NULL": True}]},
        }
    },
    "l": {"L": [{"S": "one"}, {"N": "2"}, {"B": b"\x05"}, {"BOOL": False}, {"M": {"ss": {"SS": ["y", "z"]}}}]},
    "name": {"S": "before"},
}


def dynamodb_json(typed: Any) -> Any:
    """A typed value of the low-level client as DynamoDB JSON text holds it: binary as standard base64."""
    if isinstance(typed, bytes):
        return base64.b64encode(typed).decode()
    if isinstance(typed, dict):
        return {name: dynamodb_json(value) for name, value in typed.items()}
    if isinstance(typed, list):
        return [dynamodb_json(value) for value in typed]
    return typed


def binary(value: Any) -> bytes:
    """Binary from the low-level client (bytes) or from DynamoDB JSON (base64 text)."""
    return base64.b64decode(value, validate=True) if isinstance(value, str) else bytes(value)


def comparable(typed: Any) -> Any:
    """A typed value with its type at every level; set members unordered, as DynamoDB keeps them; binary as bytes."""
    ((kind, value),) = typed.items()
    if kind in ("SS", "NS"):
        return kind, frozenset(value)
    if kind == "BS":
        return kind, frozenset(binary(member) for member in value)
    if kind == "B":
        return kind, binary(value)
    if kind == "M":
        return kind, {name: comparable(member) for name, member in value.items()}
    if kind == "L":
        return kind, [comparable(member) for member in value]
    return kind, value


def comparable_item(item: dict[str, Any]) -> dict[str, Any]:
    """Every attribute of a typed item made comparable."""
    return {name: comparable(value) for name, value in item.items()}


def stored(stack: RunningStack, item_id: str) -> dict[str, Any]:
    """The item as DynamoDB holds it, read with the low-level client, never through the service."""
    client = stack.emulator.client("dynamodb")
    reply = client.get_item(TableName=stack.table_name, Key={"id": {"S": item_id}}, ConsistentRead=True)
    assert "Item" in reply, f"{item_id} is not in the table"
    item: dict[str, Any] = reply["Item"]
    return item


def put_every_type(stack: RunningStack) -> tuple[str, dict[str, Any]]:
    """Write an item of every type straight into the table, without a version, as another writer would."""
    item_id = new_id()
    item = {"id": {"S": item_id}, **EVERY_TYPE}
    stack.emulator.client("dynamodb").put_item(TableName=stack.table_name, Item=item)
    return item_id, item


def test_dynamodb_format_prints_every_type_exactly_as_the_api_returns_it(
    stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    item_id, item = put_every_type(stack)
    status, out, _ = run(capsys, stack, "items", "get", item_id, "--format", "dynamodb")
    assert status == 0
    api = call("GET", f"{stack.url}/items/{quote(item_id, safe='')}?format=dynamodb")
    assert api.header("ETag") == '"0"'
    assert out == api.body.decode() + "\n"
    printed = json.loads(out)
    assert "_version" not in printed  # written by another tool: version 0, and nothing added on the way out
    assert comparable_item(printed) == comparable_item(item)
    assert printed["b"] == {"B": "AAH+/w=="}  # standard base64, as the AWS CLI writes binary
    assert sorted(printed["bs"]["BS"]) == ["/xA=", "AA=="]
    assert printed["m"]["M"]["deeper"]["M"]["bs"] == {"BS": ["Aw=="]}

    status, out, _ = run(capsys, stack, "items", "get", item_id, "--format", "dynamodb", "--output", "table")
    assert status == 0
    rows = {line.split(maxsplit=2)[0]: line.split(maxsplit=2)[1:] for line in out.splitlines()[2:]}
    assert rows["id"] == ["S", item_id]
    assert rows["b"] == ["B", "AAH+/w=="]
    assert rows["nothing"] == ["NULL", "true"]
    assert rows["ss"][0] == "SS"
    assert rows["m"][0] == "M"

    status, out, _ = run(capsys, stack, "items", "list", "--all", "--format", "dynamodb", "--output", "jsonl")
    assert status == 0
    lines = [json.loads(line) for line in out.splitlines() if f'"{item_id}"' in line]
    assert len(lines) == 1
    assert comparable_item(lines[0]) == comparable_item(item)
    status, out, _ = run(capsys, stack, "items", "list", "--all", "--format", "dynamodb")
    assert status == 0
    listed = [found for found in json.loads(out)["items"] if found["id"] == {"S": item_id}]
    assert [comparable_item(found) for found in listed] == [comparable_item(item)]


def test_a_plain_patch_of_one_attribute_leaves_every_other_type_as_it_was(
    stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    item_id, item = put_every_type(stack)
    status, out, _ = run(capsys, stack, "items", "patch", item_id, '{"name": "after"}', "--if-match", "0")
    assert status == 0
    assert json.loads(out)["name"] == "after"
    after = stored(stack, item_id)
    assert after.pop("name") == {"S": "after"}
    assert after.pop("_version") == {"N": "1"}
    untouched = {name: value for name, value in item.items() if name != "name"}
    assert set(after) == set(untouched)
    for name, value in untouched.items():
        assert comparable(after[name]) == comparable(value), name


def test_what_get_prints_in_dynamodb_json_puts_back_as_the_same_item(
    stack: RunningStack, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id, item = put_every_type(stack)
    assert run(capsys, stack, "items", "patch", item_id, '{"name": "versioned"}')[0] == 0
    item["name"] = {"S": "versioned"}
    status, out, _ = run(capsys, stack, "items", "get", item_id, "--format", "dynamodb")
    assert status == 0
    assert json.loads(out)["_version"] == {"N": "1"}
    saved = tmp_path / "item.json"
    saved.write_text(out, encoding="utf-8")

    # The same text replaces the item in place, under its version...
    status, out, _ = run(capsys, stack, "items", "put", f"@{saved}", "--format", "dynamodb", "--if-match", "1")
    assert status == 0
    assert json.loads(out)["_version"] == {"N": "2"}
    after = stored(stack, item_id)
    assert after.pop("_version") == {"N": "2"}
    assert comparable_item(after) == comparable_item(item)

    # ... and creates it again, from standard input, once the table has lost it.
    stack.emulator.client("dynamodb").delete_item(TableName=stack.table_name, Key={"id": {"S": item_id}})
    monkeypatch.setattr(sys, "stdin", io.StringIO(saved.read_text(encoding="utf-8")))
    status, out, _ = run(capsys, stack, "items", "put", "--format", "dynamodb", "--create-only")
    assert status == 0
    again = stored(stack, item_id)
    assert again.pop("_version") == {"N": "1"}
    assert comparable_item(again) == comparable_item(item)


def test_a_typed_patch_sets_and_removes_whole_attributes(
    stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    item_id, item = put_every_type(stack)
    patch = '{"ss": {"SS": ["green"]}, "extra": {"BS": ["AQI="]}, "nothing": null}'
    status, out, _ = run(capsys, stack, "items", "patch", item_id, patch, "--format", "dynamodb")
    assert status == 0
    printed = json.loads(out)
    assert printed["ss"] == {"SS": ["green"]}
    assert printed["extra"] == {"BS": ["AQI="]}
    after = stored(stack, item_id)
    assert after.pop("ss") == {"SS": ["green"]}
    assert after.pop("extra") == {"BS": [b"\x01\x02"]}
    assert after.pop("_version") == {"N": "1"}
    assert "nothing" not in after
    assert comparable_item(after) == comparable_item({k: v for k, v in item.items() if k not in ("ss", "nothing")})


def test_dynamodb_json_the_service_refuses_is_exit_status_2_naming_the_attribute(
    stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    item_id = new_id()
    bad = f'{{"id": {{"S": "{item_id}"}}, "blob": {{"B": "not base64!"}}}}'
    status, out, err = run(capsys, stack, "items", "put", bad, "--format", "dynamodb")
    assert status == 2
    assert out == ""
    assert err.startswith("error: 400 ")
    assert "blob" in err
    status, _, err = run(capsys, stack, "items", "put", f'{{"id": "{item_id}", "n": 1}}', "--format", "dynamodb")
    assert status == 2
    assert """'id' must be a string, written {"S": "..."}""" in err
    assert call("GET", f"{stack.url}/items/{item_id}").status == 404


#: A value that, printed raw, retitles the window (OSC 0), writes the clipboard (OSC 52), clears the screen (CSI and
#: the 8-bit CSI of C1) and turns text around (bidirectional override and isolates).
HOSTILE = "\x1b]0;pwned\x07\x1b]52;c;aGk=\x07\x1b[2J\x9b2J\u202ex\u2066i\u2069\u200f\x7f"


def _terminal_safe(raw: bytes) -> bool:
    """Whether raw output holds no ESC, BEL or other C0 control but newline, no DEL, and no C1 or bidi control."""
    text = raw.decode("utf-8")
    if any(byte < 0x20 and byte != 0x0A for byte in raw) or 0x7F in raw:
        return False
    return not any(
        0x80 <= ord(char) <= 0x9F or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
        for char in text
    )


def test_human_readable_output_shows_terminal_escapes_and_bidi_controls_escaped(stack: RunningStack) -> None:
    prefix = new_id()
    item_id = f"{prefix}-\u202egnp.exe\x1b[2J"
    stack.emulator.client("dynamodb").put_item(
        TableName=stack.table_name,
        Item={"id": {"S": item_id}, "note": {"S": HOSTILE}, "k\x1b]0;x\x07": {"SS": [HOSTILE]}},
    )
    env = {**os.environ, "DYNAMODBMANAGER_URL": stack.url, "PYTHONIOENCODING": "utf-8"}
    command = [str(Path(sys.executable).with_name("dynamodbmanager")), "items"]

    def cli(*argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*command, *argv], env=env, capture_output=True, check=False, timeout=60)

    escaped_id = f"{prefix}-\\u202egnp.exe\\x1b[2J"
    escaped_note = "\\x1b]0;pwned\\x07\\x1b]52;c;aGk=\\x07\\x1b[2J\\x9b2J\\u202ex\\u2066i\\u2069\\u200f\\x7f"
    for output in (["--output", "table"], ["--output", "table", "--format", "dynamodb"]):
        got = cli("get", item_id, *output)
        assert got.returncode == 0, got.stderr
        assert _terminal_safe(got.stdout), got.stdout
        assert escaped_id.encode() in got.stdout
        assert escaped_note.encode() in got.stdout
        assert b"k\\x1b]0;x\\x07" in got.stdout
    listed = cli("list", "--all", "--output", "table")
    assert listed.returncode == 0, listed.stderr
    assert _terminal_safe(listed.stdout)
    assert escaped_id.encode() in listed.stdout

    # JSON stays exact: the same value comes back whole.
    exact = cli("get", item_id)
    assert json.loads(exact.stdout)["note"] == HOSTILE

    # The server's error message names the id it did not find: shown escaped on stderr.
    missing = cli("get", f"{item_id}-missing")
    assert missing.returncode == 1
    assert missing.stdout == b""
    assert _terminal_safe(missing.stderr), missing.stderr
    assert missing.stderr == f"error: 404 NotFound: No item has id '{escaped_id}-missing'.\n".encode()

    deleted = cli("delete", item_id)
    assert deleted.returncode == 0, deleted.stderr
    assert _terminal_safe(deleted.stderr)
    assert deleted.stderr == f"deleted '{escaped_id}'\n".encode()
    assert call("GET", f"{stack.url}/items/{quote(item_id, safe='')}").status == 404


# ---- Any table design: a single-table design (PK/SK, indexes), and number and binary keys. ----

SHOP = ROOT / "examples" / "single-table.json"
READINGS = ROOT / "examples" / "number-and-binary-keys.json"


def _design_stack(lambda_zip: Path, emulator: Emulator, tmp: Path, definition: Path) -> RunningStack:
    """A stack serving the table ``definition`` describes, on a table of its own."""
    table = f"cli_{definition.stem.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
    return start_stack(lambda_zip, emulator, table, tmp / "local.log", "--table-definition", str(definition))


@pytest.fixture(scope="module")
def shop(lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack serving the single-table design: PK/SK, the GSI ``GSI1`` and the sparse ``open-orders``."""
    running = _design_stack(lambda_zip, emulator, tmp_path_factory.mktemp("cli-shop"), SHOP)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="module")
def readings(lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack serving a table with a number partition key and a binary sort key."""
    running = _design_stack(lambda_zip, emulator, tmp_path_factory.mktemp("cli-readings"), READINGS)
    try:
        yield running
    finally:
        running.process.stop()


def _stored_at(stack: RunningStack, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item at ``key`` as DynamoDB holds it, read with the low-level client; None when there is none."""
    client = stack.emulator.client("dynamodb")
    item: dict[str, Any] | None = client.get_item(TableName=stack.table_name, Key=key, ConsistentRead=True).get("Item")
    return item


def test_put_get_patch_delete_by_partition_and_sort_key(shop: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    customer = f"CUSTOMER#{uuid.uuid4().hex[:8]}"
    key = {"PK": {"S": customer}, "SK": {"S": "PROFILE"}}
    status, out, _ = run(capsys, shop, "items", "put", customer, "PROFILE", '{"name": "Ada"}')
    assert status == 0
    assert json.loads(out) == {"PK": customer, "SK": "PROFILE", "name": "Ada", "_version": 1}

    status, out, _ = run(capsys, shop, "items", "get", customer, "PROFILE", "--output", "table")
    assert status == 0
    assert [line.split() for line in out.splitlines()[2:4]] == [["PK", customer], ["SK", "PROFILE"]]

    status, out, _ = run(capsys, shop, "items", "patch", customer, "PROFILE", '{"name": "Ada L."}', "--if-match", "1")
    assert status == 0
    assert json.loads(out)["_version"] == 2
    assert _stored_at(shop, key) == {**key, "name": {"S": "Ada L."}, "_version": {"N": "2"}}

    status, _, err = run(capsys, shop, "items", "get", customer)
    assert status == 2
    assert "give both values" in err
    status, _, err = run(capsys, shop, "items", "delete", customer, "PROFILE", "--if-match", "1")
    assert status == 3
    status, _, err = run(capsys, shop, "items", "delete", customer, "PROFILE", "--if-match", "2")
    assert status == 0
    assert err == f"deleted PK '{customer}', SK 'PROFILE'\n"
    assert _stored_at(shop, key) is None
    status, _, err = run(capsys, shop, "items", "get", customer, "PROFILE")
    assert status == 1


def _orders(shop: RunningStack, capsys: pytest.CaptureFixture[str]) -> str:
    """A customer with a profile and three orders, put with the key in the body; the customer's key."""
    customer = f"CUSTOMER#{uuid.uuid4().hex[:8]}"
    items: list[dict[str, Any]] = [{"PK": customer, "SK": "PROFILE", "name": "Ada"}]
    for number, status in ((1, "OPEN"), (2, "SHIPPED"), (3, "OPEN")):
        order = f"ORDER#{customer[-8:]}-{number}"
        items.append(
            {"PK": customer, "SK": f"ORDER#{number}", "total": number * 10, "GSI1PK": order, "GSI1SK": customer}
            | ({"status": status} if status == "OPEN" else {})
        )
    for item in items:
        assert run(capsys, shop, "items", "put", json.dumps(item), "--create-only")[0] == 0
    return customer


def test_query_a_partition_by_sort_key_prefix_highest_first(
    shop: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = _orders(shop, capsys)
    status, out, _ = run(capsys, shop, "items", "query", customer, "--begins-with", "ORDER#", "--desc")
    assert status == 0
    page = json.loads(out)
    assert [item["SK"] for item in page["items"]] == ["ORDER#3", "ORDER#2", "ORDER#1"]
    assert page["next_cursor"] is None

    argv = ("items", "query", customer, "--between", "ORDER#2", "PROFILE", "--limit", "1", "--all", "-o", "jsonl")
    status, out, _ = run(capsys, shop, *argv)
    assert status == 0
    assert [json.loads(line)["SK"] for line in out.splitlines()] == ["ORDER#2", "ORDER#3", "PROFILE"]

    status, out, _ = run(capsys, shop, "items", "query", customer, "--lt", "ORDER#2", "--output", "table")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["PK", "SK"]
    assert lines[2].split()[:2] == [customer, "ORDER#1"]
    assert len(lines) == 3


def test_query_an_index_and_a_sparse_one(shop: RunningStack, capsys: pytest.CaptureFixture[str]) -> None:
    customer = _orders(shop, capsys)
    order = f"ORDER#{customer[-8:]}-2"
    status, out, _ = run(capsys, shop, "items", "query", order, "--index", "GSI1", "--format", "dynamodb")
    assert status == 0
    (item,) = json.loads(out)["items"]
    assert item["SK"] == {"S": "ORDER#2"}
    assert item["total"] == {"N": "20"}

    status, out, _ = run(capsys, shop, "items", "query", "OPEN", "--index", "open-orders", "--all", "-o", "jsonl")
    assert status == 0
    mine = [json.loads(line) for line in out.splitlines() if customer in line]
    assert sorted(found["SK"] for found in mine) == ["ORDER#1", "ORDER#3"]
    assert all(set(found) == {"PK", "SK", "status"} for found in mine)  # KEYS_ONLY

    status, _, err = run(capsys, shop, "items", "query", "OPEN", "--index", "nope")
    assert status == 2
    assert "its indexes: GSI1, by-created, open-orders" in err


def test_number_and_binary_keys_get_by_decimal_text_and_either_base64(
    readings: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    sensor = str(uuid.uuid4().int % 10**9)
    body = f'{{"sensor": {{"N": "{sensor}"}}, "at": {{"B": "AAH+/w=="}}, "celsius": {{"N": "21.5"}}}}'
    status, out, _ = run(capsys, readings, "items", "put", body, "--format", "dynamodb")
    assert status == 0
    assert json.loads(out)["at"] == {"B": "AAH+/w=="}
    for binary in ("AAH+/w==", "AAH-_w"):
        status, out, _ = run(capsys, readings, "items", "get", sensor, binary)
        assert status == 0
        assert json.loads(out) == {"sensor": int(sensor), "at": "AAH+/w==", "celsius": 21.5, "_version": 1}
    stored_key = {"sensor": {"N": sensor}, "at": {"B": b"\x00\x01\xfe\xff"}}
    assert _stored_at(readings, stored_key) is not None

    status, out, _ = run(capsys, readings, "items", "query", sensor, "--gte", "AAE", "--output", "table")
    assert status == 0
    assert out.splitlines()[2].split()[:2] == [sensor, "AAH+/w=="]
    status, _, _ = run(capsys, readings, "items", "delete", sensor, "AAH-_w")
    assert status == 0
    assert _stored_at(readings, stored_key) is None
