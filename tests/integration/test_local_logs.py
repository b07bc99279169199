"""What ``dynamodbmanager local`` prints: a readable line per request, the function's warnings and errors, or with
``--log-format json`` the function's own JSON lines; and every line in full in the log file its banner names."""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.local.emulator import Emulator
from tests.conftest import RunningStack, start_stack
from tests.httpclient import call
from tests.stacklog import log_file, terminal, wait_until

pytestmark = pytest.mark.integration

#: The one readable line of a request after its time: method, path, status, latency, correlation id.
ACCESS_LINE = r"{method} {path} {status} \d+\.\d ms correlation_id={correlation}"
#: The time a terminal line starts with.
TIME = r"\d\d:\d\d:\d\d "


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` that is a JSON object."""
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _request(stack: RunningStack) -> tuple[str, str]:
    """One GET of a missing item under a correlation id of the test's own; the path and that id."""
    correlation = f"corr-{uuid.uuid4().hex}"
    path = f"/items/missing-{uuid.uuid4().hex}"
    assert call("GET", f"{stack.url}{path}", headers={"X-Correlation-Id": correlation}).status == 404
    return path, correlation


def _function_lines(path: Path, correlation: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The function's JSON log line with ``correlation`` in the log file ``path``, and the EMF document after it."""

    def found(text: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        documents = _json_objects(text)
        for index, document in enumerate(documents):
            if document.get("correlation_id") == correlation:
                metrics = next((later for later in documents[index + 1 :] if "_aws" in later), None)
                return None if metrics is None else (document, metrics)
        return None

    lines = found(wait_until(path.read_text, lambda text: found(text) is not None, "the function's lines"))
    assert lines is not None
    return lines


def test_text_shows_one_readable_line_per_request_and_the_file_keeps_every_line(
    lambda_zip: Path, emulator: Emulator, tmp_path: Path
) -> None:
    stack = start_stack(lambda_zip, emulator, "anything", tmp_path / "terminal.log")
    try:
        path, correlation = _request(stack)
        line = ACCESS_LINE.format(method="GET", path=re.escape(path), status=404, correlation=correlation)
        shown = wait_until(lambda: terminal(stack), lambda text: re.search(line, text) is not None, "the access line")
        full = log_file(stack)
        logged, metrics = _function_lines(full, correlation)
        shown = terminal(stack)  # once the function's lines are in the file, the terminal has had its chance too
        mentions = [text for text in shown.splitlines() if correlation in text or path in text]
        assert len(mentions) == 1
        assert re.fullmatch(TIME + line, mentions[0])
        assert _json_objects(shown) == []
        assert '"_aws"' not in shown
        assert '"level"' not in shown
        assert "werkzeug" not in shown
        assert 'HTTP/1.1"' not in shown  # werkzeug's own access line is gone

        # The file has the lines exactly as the function wrote them, with Powertools' keys.
        assert logged["message"] == "request"
        assert {"level", "location", "timestamp", "service", "request_id", "correlation_id"} <= set(logged)
        assert (logged["method"], logged["path"], logged["status"]) == ("GET", path, 404)
        assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "dynamodbmanager"
        assert re.search(line, full.read_text(encoding="utf-8"))  # and the stack's own lines
        assert full.stat().st_mode & 0o077 == 0
    finally:
        stack.process.stop()
    assert "(removed when stopped)" in terminal(stack)
    assert not full.exists()


def test_json_shows_the_functions_json_lines_and_emf_documents(
    lambda_zip: Path, emulator: Emulator, tmp_path: Path
) -> None:
    stack = start_stack(lambda_zip, emulator, "anything", tmp_path / "terminal.log", "--log-format", "json")
    try:
        path, correlation = _request(stack)
        shown = wait_until(
            lambda: terminal(stack),
            lambda text: any(d.get("correlation_id") == correlation for d in _json_objects(text)),
            "the function's JSON line on the terminal",
        )
        logged = next(d for d in _json_objects(shown) if d.get("correlation_id") == correlation)
        assert (logged["message"], logged["path"], logged["status"]) == ("request", path, 404)
        assert any("_aws" in document for document in _json_objects(shown))
        assert logged == _function_lines(log_file(stack), correlation)[0]
        line = ACCESS_LINE.format(method="GET", path=re.escape(path), status=404, correlation=correlation)
        assert re.search(line, wait_until(lambda: terminal(stack), lambda text: path in text, "the access line"))
    finally:
        stack.process.stop()


#: Replaces the handler in a copy of the zip: the real function, then a warning, an error with its traceback, a
#: debug line and a print, all about the request just served.
PROBE_HANDLER = """
from dynamodbmanager.real_handler import app, logger


def lambda_handler(event, context):
    result = app.handle(event, context)
    if event["path"].endswith("/probe"):
        logger.warning("disk \\x1b]0;pwned\\x07 almost full", extra={"free_mb": 12})
        logger.debug("details nobody asked for")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("it broke")
        print("a print of the function")
    return result
"""


def _probe_zip(lambda_zip: Path, target: Path) -> Path:
    """The deployment package with :data:`PROBE_HANDLER` as its handler and the real one beside it."""
    with zipfile.ZipFile(lambda_zip) as source, zipfile.ZipFile(target, "w") as probe:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "dynamodbmanager/handler.py":
                probe.writestr("dynamodbmanager/real_handler.py", data)
                data = PROBE_HANDLER.encode()
            probe.writestr(info, data)
    return target


def test_the_functions_warnings_and_errors_are_readable(lambda_zip: Path, emulator: Emulator, tmp_path: Path) -> None:
    probe = _probe_zip(lambda_zip, tmp_path / "probe.zip")
    stack = start_stack(probe, emulator, "anything", tmp_path / "terminal.log", "--log-level", "DEBUG")
    try:
        correlation = f"corr-{uuid.uuid4().hex}"
        assert call("GET", f"{stack.url}/probe", headers={"X-Correlation-Id": correlation}).status == 404
        shown = wait_until(
            lambda: terminal(stack),
            lambda text: "a print of the function" in text and "/probe 404" in text,
            "the function's warnings",
        )
        lines = shown.splitlines()
        warning = next(line for line in lines if "almost full" in line)
        assert re.fullmatch(
            rf"\d\d:\d\d:\d\d WARNING disk \\x1b\]0;pwned\\x07 almost full free_mb=12 correlation_id={correlation}",
            warning,
        )
        error = lines.index(next(line for line in lines if "it broke" in line))
        assert re.fullmatch(rf"\d\d:\d\d:\d\d ERROR it broke correlation_id={correlation}", lines[error])
        assert lines[error + 1] == "    Traceback (most recent call last):"
        assert "    ValueError: boom" in lines[error + 2 : error + 6]
        assert "\x1b" not in shown
        assert "details nobody asked for" not in shown
        assert _json_objects(shown) == []
        full = wait_until(log_file(stack).read_text, lambda text: "details nobody asked for" in text, "the debug line")
        assert {"WARNING", "DEBUG", "ERROR"} <= {d.get("level") for d in _json_objects(full)}
    finally:
        stack.process.stop()


def test_the_log_file_goes_in_the_data_directory_and_survives_a_stop(dynalite_stack: RunningStack) -> None:
    path, correlation = _request(dynalite_stack)
    full = log_file(dynalite_stack)
    assert full.parent.name == "data"
    assert "(removed when stopped)" not in terminal(dynalite_stack)
    assert _function_lines(full, correlation)[0]["path"] == path
