"""The local stack's logs: every line in full to its log file, and to the terminal readably or as written.

The function's output arrives a line at a time (:func:`function_line`); Powertools' JSON lines and EMF documents
go to the log file exactly as written, and to the terminal either readably (``text``: one line per request, the
function's warnings and errors) or as written (``json``, what CloudWatch would keep).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import unicodedata
from pathlib import Path
from typing import Any, TextIO, TypeGuard

from dynamodbmanager.text import HIDDEN_CATEGORIES, visible

#: The function's own output, a record per line.
function_log = logging.getLogger("dynamodbmanager.function")

#: The log file's name, in the data directory or else in the run's temporary directory.
LOG_FILE_NAME = "local.log"
#: How the terminal shows the function's lines: readable, or as the function wrote them.
LOG_FORMATS = ("text", "json")
#: Keys of every Powertools log line, left out of its readable form (the log file keeps them).
_ENVELOPE = frozenset(
    {
        "level",
        "location",
        "message",
        "timestamp",
        "service",
        "request_id",
        "correlation_id",
        "exception",
        "exception_name",
        "stack_trace",
        "xray_trace_id",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "sampling_rate",
    }
)


def _document(text: str) -> dict[str, Any] | None:
    """The JSON object a line holds, or None for any other line (a print, a traceback)."""
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _is_metrics(document: dict[str, Any] | None) -> bool:
    """Whether a line is an EMF document: CloudWatch turns it into metrics, a reader has no use for it."""
    return document is not None and isinstance(document.get("_aws"), dict)


def _is_log(document: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """Whether a line is a structured log line (Powertools Logger's keys: ``level`` and ``message``)."""
    return document is not None and isinstance(document.get("level"), str) and "message" in document


def _level(document: dict[str, Any] | None) -> int:
    """The logging level of one of the function's lines: the one a log line states, else INFO."""
    if _is_log(document):
        level = logging.getLevelName(str(document["level"]).upper())
        return level if isinstance(level, int) else logging.INFO
    return logging.INFO


def function_line(stream: str, line: bytes) -> None:
    """Log one line the function wrote on ``stream`` as a record of :data:`function_log`, whatever the levels.

    The record carries the line exactly, for the log file, and its JSON object, for the terminal's readable form.
    """
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    document = _document(text)
    record = function_log.makeRecord(
        function_log.name,
        _level(document),
        "function",
        0,
        text,
        (),
        None,
        extra={"function_stream": stream, "function_document": document},
    )
    # handle(), not log(): the log file takes every line, DEBUG included; the handlers choose what they show.
    function_log.handle(record)


def _readable(document: dict[str, Any]) -> str:
    """A Powertools log line as one readable line: level, message, its own keys, correlation id; then its traceback."""

    def text(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)

    parts = [str(document["level"]).upper(), text(document["message"])]
    parts += [f"{name}={text(value)}" for name, value in document.items() if name not in _ENVELOPE]
    if document.get("correlation_id"):
        parts.append(f"correlation_id={text(document['correlation_id'])}")
    readable = visible(" ".join(parts))
    exception = document.get("exception")
    if isinstance(exception, str):
        readable += "".join(f"\n    {visible(line)}" for line in exception.splitlines())
    return readable


def _json_visible(text: str) -> str:
    """A line with its hidden characters written as JSON escapes (``\\u001b``): a JSON line stays the same JSON."""
    if text.isprintable():
        return text

    def escaped(char: str) -> str:
        units = char.encode("utf-16-be", "surrogatepass")
        return "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))

    return "".join(
        escaped(char) if char != "\t" and unicodedata.category(char) in HIDDEN_CATEGORIES else char for char in text
    )


class TerminalFormatter(logging.Formatter):
    """Records as terminal lines: time, level from WARNING up, and the message with its hidden characters escaped."""

    def __init__(self, log_format: str) -> None:
        super().__init__()
        self.log_format = log_format

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line; the function's own as ``log_format`` says."""
        time = self.formatTime(record, "%H:%M:%S")
        if getattr(record, "function_stream", None) is not None:
            if self.log_format == "json":
                return _json_visible(record.getMessage())
            document = getattr(record, "function_document", None)
            if _is_log(document):
                return f"{time} {_readable(document)}"
            return f"{time} {visible(record.getMessage())}"
        level = f"{record.levelname} " if record.levelno >= logging.WARNING else ""
        line = f"{time} {level}{visible(record.getMessage())}"
        if record.exc_info:
            line += "".join(f"\n    {visible(text)}" for text in self.formatException(record.exc_info).splitlines())
        return line


def _readable_only(record: logging.LogRecord) -> bool:
    """Whether the readable terminal shows a record: not the function's EMF documents, nor its lines below WARNING."""
    if getattr(record, "function_stream", None) is None:
        return True
    document = getattr(record, "function_document", None)
    if _is_metrics(document):
        return False
    return not _is_log(document) or record.levelno >= logging.WARNING


def terminal_handler(log_format: str = "text", stream: TextIO | None = None) -> logging.Handler:
    """The handler that shows the stack's records on the terminal (stderr by default) in ``log_format``."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(TerminalFormatter(log_format))
    if log_format == "text":
        handler.addFilter(_readable_only)
    return handler


class _LogFileFormatter(logging.Formatter):
    """Records as log file lines: the function's exactly as it wrote them, the stack's with date, level and logger."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line of the file."""
        if getattr(record, "function_stream", None) is not None:
            return record.getMessage()
        return super().format(record)


class LogFile(logging.StreamHandler[TextIO]):
    """Every record to a file readable by its owner only; a previous run's file is kept as ``NAME.1``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(path):
            path.replace(path.with_name(path.name + ".1"))
        # O_NOFOLLOW: a link planted where the log goes is refused, never written through.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        super().__init__(os.fdopen(descriptor, "w", encoding="utf-8", errors="replace"))
        self.setFormatter(_LogFileFormatter())

    def close(self) -> None:
        """Flush and close the file."""
        with self.lock or contextlib.nullcontext():
            if not self.stream.closed:
                self.stream.close()
        super().close()
