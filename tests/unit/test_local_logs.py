"""How the local stack's terminal shows the function's lines and its own, and what its log file keeps."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from dynamodbmanager.local.logs import LogFile, function_line, terminal_handler

#: A Powertools log line as the function writes it (``ensure_ascii=False``: C1 and bidi controls stay raw).
WARNING = {
    "level": "WARNING",
    "location": "handle:78",
    "message": "id \u202egnp.exe has \x9b2J in it",
    "timestamp": "2026-01-01 00:00:00,000+0000",
    "service": "dynamodbmanager",
    "request_id": "r-1",
    "correlation_id": "c-1",
    "operation": "items.get",
}
REQUEST = {**WARNING, "level": "INFO", "message": "request", "status": 200}
EMF = {"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "Requests": [1.0]}


def _line(document: Mapping[str, object]) -> bytes:
    """The document as the function writes it: one line of compact JSON."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@pytest.fixture
def shown() -> Iterator[dict[str, io.StringIO]]:
    """What a text and a json terminal show of the records logged during the test."""
    streams = {log_format: io.StringIO() for log_format in ("text", "json")}
    handlers = [terminal_handler(log_format, stream) for log_format, stream in streams.items()]
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield streams
    finally:
        for handler in handlers:
            root.removeHandler(handler)


def _write_all() -> None:
    """The function's lines of one request, then the gateway's access line."""
    for stream, line in (
        ("stdout", _line(REQUEST)),
        ("stdout", _line(EMF)),
        ("stdout", _line(WARNING)),
        ("stdout", b"a print \x1b[2J\n"),
        ("stderr", b"Traceback (most recent call last):\n"),
    ):
        function_line(stream, line)
    logging.getLogger("dynamodbmanager.local.access").warning("GET /items/x 200 1.0 ms correlation_id=c-1")


def test_text_shows_warnings_readable_and_prints_but_no_info_line_nor_metrics(shown: dict[str, io.StringIO]) -> None:
    _write_all()
    lines = shown["text"].getvalue().splitlines()
    assert [re.sub(r"^\d\d:\d\d:\d\d ", "", line) for line in lines] == [
        "WARNING id \\u202egnp.exe has \\x9b2J in it operation=items.get correlation_id=c-1",
        "a print \\x1b[2J",
        "Traceback (most recent call last):",
        "WARNING GET /items/x 200 1.0 ms correlation_id=c-1",
    ]
    assert all(re.match(r"\d\d:\d\d:\d\d ", line) for line in lines)


def test_json_shows_every_line_of_the_function_as_the_same_json(shown: dict[str, io.StringIO]) -> None:
    _write_all()
    lines = shown["json"].getvalue().splitlines()
    assert [json.loads(line) for line in lines[:3]] == [REQUEST, EMF, WARNING]
    assert lines[2].isascii()  # the controls are JSON escapes now, the same JSON
    assert "\\u202e" in lines[2]
    assert "\\u009b" in lines[2]
    assert lines[3] == "a print \\u001b[2J"
    assert lines[4] == "Traceback (most recent call last):"
    assert lines[5].endswith(" WARNING GET /items/x 200 1.0 ms correlation_id=c-1")


def test_an_exception_is_shown_below_its_line() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("dynamodbmanager.function")
    handler = terminal_handler("text", stream)
    logger.addHandler(handler)
    try:
        document = {**WARNING, "level": "ERROR", "message": "it broke", "exception": 'Traceback:\n  File "x"\nBoom'}
        function_line("stdout", _line(document))
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(" ERROR it broke operation=items.get correlation_id=c-1")
    assert lines[1:] == ["    Traceback:", '      File "x"', "    Boom"]


def test_the_log_file_keeps_the_functions_lines_exactly_and_its_own_readable(tmp_path: Path) -> None:
    path = tmp_path / "data" / "local.log"
    path.parent.mkdir()
    path.write_text("the previous run\n")
    handler = LogFile(path)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        function_line("stdout", _line(WARNING))
        function_line("stdout", _line({**REQUEST, "level": "DEBUG"}))  # below every level set: still in the file
        logging.getLogger("dynamodbmanager.local").warning("invocation failed: boom")
    finally:
        root.removeHandler(handler)
        handler.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == [_line(WARNING).decode().rstrip("\n"), _line({**REQUEST, "level": "DEBUG"}).decode().rstrip()]
    assert re.fullmatch(r"\S+ \S+ WARNING dynamodbmanager.local invocation failed: boom", lines[2])
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data" / "local.log.1").read_text() == "the previous run\n"


def test_a_link_where_the_log_goes_is_moved_aside_never_written_through(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_text("")
    for target in (tmp_path / "elsewhere", tmp_path / "missing"):
        (tmp_path / "local.log").symlink_to(target)
        handler = LogFile(tmp_path / "local.log")
        handler.stream.write("written\n")
        handler.close()
        assert not (tmp_path / "local.log").is_symlink()
        assert (tmp_path / "local.log").read_text() == "written\n"
        (tmp_path / "local.log").unlink()
    assert (tmp_path / "elsewhere").read_text() == ""
    assert not (tmp_path / "missing").exists()


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of text, json"):
        terminal_handler("yaml")
