"""``items`` on any table design, against a stub API: the key from ``GET /table``, the paths and the query strings."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from dynamodbmanager.cli import main
from dynamodbmanager.client import ApiClient, Reply

DEFAULT = {"name": "anything", "key": [{"name": "id", "type": "S"}], "indexes": []}
SINGLE_TABLE = {
    "name": "shop",
    "key": [{"name": "PK", "type": "S"}, {"name": "SK", "type": "S"}],
    "indexes": [
        {
            "name": "GSI1",
            "kind": "GSI",
            "key": [{"name": "GSI1PK", "type": "S"}, {"name": "GSI1SK", "type": "S"}],
            "projection": "ALL",
        },
        {"name": "open-orders", "kind": "GSI", "key": [{"name": "status", "type": "S"}], "projection": "KEYS_ONLY"},
    ],
}
READINGS = {"name": "readings", "key": [{"name": "sensor", "type": "N"}, {"name": "at", "type": "B"}], "indexes": []}


@dataclass
class StubApi:
    """The API as the command meets it: the design at ``/table``, ``answers`` for the rest, every request kept."""

    design: dict[str, Any]
    answers: list[str] = field(default_factory=list)
    sent: list[tuple[str, str, Any, dict[str, str]]] = field(default_factory=list)

    def request(self, method: str, path: str, body: Any = None, *, headers: Any = None, **_: Any) -> Reply:
        """One answer: the design, the next of ``answers``, or an empty page."""
        if (method, path) == ("GET", "/table"):
            return Reply(200, {}, json.dumps(self.design))
        self.sent.append((method, path, body, dict(headers or {})))
        return Reply(200, {}, self.answers.pop(0) if self.answers else '{"items": [], "next_cursor": null}')

    @property
    def paths(self) -> list[str]:
        """The method and path of each request but the design's."""
        return [f"{method} {path}" for method, path, _, _ in self.sent]


def stub(monkeypatch: pytest.MonkeyPatch, design: dict[str, Any], *answers: str) -> StubApi:
    """Route every request of the command to a :class:`StubApi` serving ``design``."""
    api = StubApi(design, list(answers))
    monkeypatch.setattr(ApiClient, "request", lambda _client, *args, **kwargs: api.request(*args, **kwargs))
    return api


def test_an_item_of_a_single_table_design_is_addressed_by_both_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    api = stub(monkeypatch, SINGLE_TABLE)
    assert main(["items", "get", "CUSTOMER#1", "ORDER#42"]) == 0
    assert main(["items", "delete", "CUSTOMER#1", "a b/c", "--if-match", "2"]) == 0
    assert main(["items", "patch", "CUSTOMER#1", "ORDER#42", '{"total": 3}', "--format", "dynamodb"]) == 0
    assert api.paths == [
        "GET /items/CUSTOMER%231/ORDER%2342",
        "DELETE /items/CUSTOMER%231/a%20b%2Fc",
        "PATCH /items/CUSTOMER%231/ORDER%2342?format=dynamodb",
    ]
    assert api.sent[1][3] == {"If-Match": '"2"'}
    assert api.sent[2][2] == {"total": 3}


def test_a_number_key_is_decimal_text_and_a_binary_key_standard_or_url_safe_base64(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = stub(monkeypatch, READINGS)
    for binary in ("AAH+/w==", "AAH-_w", "AAH+/w"):
        assert main(["items", "get", "7", binary]) == 0
    assert main(["items", "get", "-1.50", "AA"]) == 0
    assert api.paths == ["GET /items/7/AAH-_w"] * 3 + ["GET /items/-1.50/AA"]


@pytest.mark.parametrize(
    ("design", "argv", "message"),
    [
        (SINGLE_TABLE, ["get", "CUSTOMER#1"], "the table's key is 'PK' (a string), 'SK' (a string): give both values"),
        (SINGLE_TABLE, ["delete", "CUSTOMER#1"], "as in 'items delete PK SK'"),
        (DEFAULT, ["get", "a", "b"], "the table's key is 'id' (a string): give its value"),
        (READINGS, ["get", "seven", "AA"], "the key attribute 'sensor' (a number) takes decimal text such as 42"),
        (READINGS, ["get", "7", "not base64!"], "the key attribute 'at' (binary) is base64 (standard or URL-safe)"),
        (READINGS, ["get", "7", "A"], "the key attribute 'at' (binary) is base64"),
        (SINGLE_TABLE, ["get", "", "x"], "The key attribute 'PK' must not be empty."),
        (SINGLE_TABLE, ["put", "CUSTOMER#1", "{}"], "give the item's key then the JSON ('items put PK SK JSON')"),
        (READINGS, ["put", '{"sensor": 7, "at": "AAE="}'], "the item's 'at' is binary, which plain JSON cannot say"),
        (READINGS, ["put", '{"sensor": "7"}'], "the item's 'sensor' must be a number"),
        (SINGLE_TABLE, ["put", '{"PK": "a"}', "--if-match", "1"], "--if-match needs the item's whole key ('PK', 'SK')"),
        (SINGLE_TABLE, ["put", '{"PK": "a"}', "--id", "a"], "the table's key is 'PK' (a string), 'SK' (a string)"),
        (DEFAULT, ["query", "a"], "the table's key is 'id' (a string) alone"),
        (
            SINGLE_TABLE,
            ["query", "a", "--index", "nope"],
            "the table has no index 'nope'; its indexes: GSI1, open-orders",
        ),
        (SINGLE_TABLE, ["query", "OPEN", "--index", "open-orders", "--eq", "x"], "index 'open-orders' has no sort key"),
    ],
)
def test_a_key_the_table_cannot_take_is_refused_before_any_item_request(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    design: dict[str, Any],
    argv: list[str],
    message: str,
) -> None:
    api = stub(monkeypatch, design)
    assert main(["items", *argv]) == 2
    assert message in capsys.readouterr().err
    assert api.sent == []


def test_put_takes_the_key_before_the_json_or_from_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    api = stub(monkeypatch, SINGLE_TABLE)
    assert main(["items", "put", "CUSTOMER#1", "PROFILE", '{"name": "Ada"}']) == 0
    assert main(["items", "put", '{"PK": "CUSTOMER#1", "SK": "ORDER#1", "total": 3}', "--create-only"]) == 0
    assert main(["items", "put", '{"PK": "CUSTOMER#1", "total": 3}']) == 0  # the server says what is missing
    assert api.paths == ["PUT /items/CUSTOMER%231/PROFILE", "PUT /items/CUSTOMER%231/ORDER%231", "POST /items"]
    assert api.sent[0][2] == {"name": "Ada"}
    assert api.sent[1][3] == {"If-None-Match": "*"}


def test_put_of_a_typed_item_builds_the_path_from_its_typed_key(monkeypatch: pytest.MonkeyPatch) -> None:
    api = stub(monkeypatch, READINGS)
    body = '{"sensor": {"N": "7"}, "at": {"B": "AAH+/w=="}, "c": {"N": "21.5"}}'
    assert main(["items", "put", body, "--format", "dynamodb", "--if-match", "4"]) == 0
    assert api.paths == ["PUT /items/7/AAH-_w?format=dynamodb"]
    assert api.sent[0][3] == {"If-Match": '"4"'}


def test_the_default_table_keeps_its_id_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"from": "stdin"}'))
    api = stub(monkeypatch, DEFAULT)
    assert main(["items", "put", '{"name": "x"}', "--id", "a b"]) == 0
    assert main(["items", "put", '{"id": "42"}']) == 0
    assert main(["items", "put", '{"name": "new"}']) == 0
    assert main(["items", "patch", "42"]) == 0
    assert api.paths == ["PUT /items/a%20b", "PUT /items/42", "POST /items", "PATCH /items/42"]
    assert api.sent[3][2] == {"from": "stdin"}


def test_patch_reads_standard_input_when_only_the_key_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"status": "SHIPPED"}'))
    api = stub(monkeypatch, SINGLE_TABLE)
    assert main(["items", "patch", "CUSTOMER#1", "ORDER#42"]) == 0
    assert api.sent == [
        ("PATCH", "/items/CUSTOMER%231/ORDER%2342", {"status": "SHIPPED"}, {}),
    ]


def test_delete_names_a_composite_key_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub(monkeypatch, SINGLE_TABLE, "")
    assert main(["items", "delete", "CUSTOMER#1", "ORDER#\x1b[2J"]) == 0
    assert capsys.readouterr().err == "deleted PK 'CUSTOMER#1', SK 'ORDER#\\x1b[2J'\n"


def test_query_sends_the_partition_and_one_condition_in_the_query_string(monkeypatch: pytest.MonkeyPatch) -> None:
    api = stub(monkeypatch, SINGLE_TABLE)
    argv = ["items", "query", "CUSTOMER#1", "--begins-with", "ORDER#", "--desc", "--limit", "5", "--format", "dynamodb"]
    assert main(argv) == 0
    assert main(["items", "query", "CUSTOMER#1", "--between", "ORDER 1", "ORDER 9"]) == 0
    assert main(["items", "query", "ORDER#42", "--index", "GSI1", "--gte", "C"]) == 0
    assert main(["items", "query", "OPEN", "--index", "open-orders"]) == 0
    assert api.paths == [
        "GET /items/CUSTOMER%231?begins_with=ORDER%23&order=desc&limit=5&format=dynamodb",
        "GET /items/CUSTOMER%231?from=ORDER%201&to=ORDER%209",
        "GET /indexes/GSI1/items/ORDER%2342?gte=C",
        "GET /indexes/open-orders/items/OPEN",
    ]


def test_query_of_a_binary_sort_key_sends_url_safe_base64(monkeypatch: pytest.MonkeyPatch) -> None:
    api = stub(monkeypatch, READINGS)
    assert main(["items", "query", "7", "--lt", "/w=="]) == 0
    assert api.paths == ["GET /items/7?lt=_w"]


def test_query_all_follows_the_cursor_and_prints_a_table_key_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = '{"items": [{"total": 1, "SK": "ORDER#2", "PK": "C", "GSI1SK": "C", "GSI1PK": "O2"}], "next_cursor": "n1"}'
    last = '{"items": [{"total": 2, "SK": "ORDER#1", "PK": "C"}], "next_cursor": null}'
    api = stub(monkeypatch, SINGLE_TABLE, first, last)
    assert main(["items", "query", "O2", "--index", "GSI1", "--all", "--output", "table"]) == 0
    assert api.paths == ["GET /indexes/GSI1/items/O2", "GET /indexes/GSI1/items/O2?cursor=n1"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["PK", "SK", "GSI1PK", "GSI1SK", "total"]
    assert lines[2].split() == ["C", "ORDER#2", "O2", "C", "1"]
    assert lines[3].split() == ["C", "ORDER#1", "2"]


def test_get_prints_a_table_with_the_key_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub(monkeypatch, SINGLE_TABLE, '{"a": 1, "SK": "PROFILE", "PK": "C", "_version": 1}')
    assert main(["items", "get", "C", "PROFILE", "--output", "table"]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]]
    assert rows == ["PK", "SK", "_version", "a"]


def test_an_answer_that_is_no_table_design_is_exit_status_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub(monkeypatch, {"name": "x", "key": []})
    assert main(["items", "get", "a"]) == 4
    assert "key must list one or two key attributes" in capsys.readouterr().err
