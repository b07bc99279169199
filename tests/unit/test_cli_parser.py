"""The command line's parser: every command is documented with an example, and misuse is exit status 2."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from dynamodbmanager.cli import main, parser


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
