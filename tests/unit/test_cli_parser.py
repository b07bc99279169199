"""The command line's parser: every command is documented with an example, and misuse is exit status 2."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import pytest

from dynamodbmanager.cli import main, parser
from dynamodbmanager.client import ApiClient, Reply


def _commands(root: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every leaf command's words and its help text."""
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words = (*prefix, name)
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    yield words, sub.format_help()
                    yield from _commands(sub, words)
                else:
                    yield words, sub.format_help()


def test_every_command_is_there() -> None:
    names = {" ".join(words) for words, _ in _commands(parser())}
    assert names == {
        "local",
        "build",
        "invoke",
        "items",
        "items get",
        "items put",
        "items patch",
        "items delete",
        "items list",
        "items query",
        "export",
        "import",
    }


@pytest.mark.parametrize(("words", "text"), list(_commands(parser())), ids=lambda v: " ".join(v) if v else "")
def test_every_command_has_an_example_in_its_help(words: tuple[str, ...], text: str) -> None:
    assert "example" in text
    assert f"dynamodbmanager {words[0]}" in text.split("example", 1)[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["items", "get"],
        ["items", "delete", "x", "--if-match", "nope"],
        ["items", "put", "{}", "--if-match", "1", "--create-only"],
        ["items", "list", "--output", "xml"],
        ["items", "get", "x", "--format", "xml"],
        ["items", "put", "{}", "--format", "csv"],
        ["items", "query"],
        ["items", "query", "x", "--eq", "a", "--lt", "b"],
        ["items", "query", "x", "--between", "a"],
        ["items", "query", "x", "--output", "xml"],
        ["export"],
        ["import"],
        ["export", "--to", "x.jsonl", "--format", "xml"],
        ["nonsense"],
        ["local", "--stage", "v1/items"],
        ["local", "--stage", ""],
    ],
)
def test_misuse_is_exit_status_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_help_is_exit_status_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["items", "patch", "--help"])
    assert exited.value.code == 0
    assert "merge patch" in capsys.readouterr().out.lower()


def test_a_bad_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["items", "get", "x", "--url", "not-a-url"]) == 2
    assert "--url" in capsys.readouterr().err


def test_data_dir_and_emulator_url_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "--data-dir", "d", "--emulator-url", "http://127.0.0.1:1"]) == 2
    assert "--data-dir" in capsys.readouterr().err


def test_import_refuses_a_missing_file_and_bad_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--from", "/nonexistent.jsonl"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["import", "--from", __file__, "--batch-size", "26"]) == 2
    assert "--batch-size" in capsys.readouterr().err
    assert main(["import", "--from", __file__, "--concurrency", "0"]) == 2
    assert "--concurrency" in capsys.readouterr().err


ITEM_ACTIONS = ["get", "put", "patch", "delete", "list", "query"]


@pytest.mark.parametrize("action", ITEM_ACTIONS)
def test_every_items_action_takes_the_item_format_plain_by_default(action: str) -> None:
    argv = ["items", action, *(["x"] if action in ("get", "patch", "delete", "query") else [])]
    assert parser().parse_args(argv).item_format == "json"
    assert parser().parse_args([*argv, "--format", "dynamodb"]).item_format == "dynamodb"


@pytest.mark.parametrize("action", ITEM_ACTIONS)
def test_the_help_says_what_the_dynamodb_format_does(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["items", action, "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--format {json,dynamodb}" in text
    assert "DynamoDB JSON" in text
    assert "set reads as a sorted list" in text
    assert "keeps any item exactly" in text


def test_the_items_help_has_a_dynamodb_json_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["items", "--help"])
    out = capsys.readouterr().out
    assert "dynamodbmanager items get 42 --format dynamodb" in out
    assert "dynamodbmanager items put @item.json --format dynamodb" in out


def _design_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Serve the default table's design and nothing else: any other request fails the test. The requests made."""
    made: list[str] = []
    design = '{"name": "anything", "key": [{"name": "id", "type": "S"}], "indexes": []}'

    def request(_client: ApiClient, method: str, path: str, *_args: Any, **_kwargs: Any) -> Reply:
        made.append(f"{method} {path}")
        assert (method, path) == ("GET", "/table"), f"{method} {path} was sent"
        return Reply(200, {}, design)

    monkeypatch.setattr(ApiClient, "request", request)
    return made


@pytest.mark.parametrize(
    ("body", "argv", "message"),
    [
        ('{"id": "42"}', ["--format", "dynamodb"], """the item's 'id' must be a string, written {"S": "..."}"""),
        ('{"id": {"N": "42"}}', ["--format", "dynamodb"], "the item's 'id' must be a string"),
        ('{"id": {"S": "42"}}', [], "the item's 'id' must be a string"),
        ('{"id": 42}', [], "the item's 'id' must be a string"),
    ],
)
def test_an_id_of_the_wrong_form_is_refused_before_any_write(
    body: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the table's design is read: it says the key is the string 'id'.
    made = _design_only(monkeypatch)
    assert main(["items", "put", body, *argv]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")
    assert made == ["GET /table"]
