"""The whole local stack: emulator, table, unpacked zip, warm workers and HTTP server, started and stopped together.

What the stack and its function say goes through :mod:`logging`: every line, the function's JSON log lines and
EMF documents exactly as written, to the stack's log file (:attr:`LocalStack.log_path`); to the terminal, through
:func:`terminal_handler`, either readably (``text``: one line per request, the function's warnings and errors) or
with the function's lines as it wrote them (``json``, what CloudWatch would keep).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeGuard

from werkzeug.serving import WSGIRequestHandler, make_server

from dynamodbmanager.cli.output import HIDDEN_CATEGORIES, visible
from dynamodbmanager.config import DEFAULT_IDEMPOTENCY_TABLE_NAME
from dynamodbmanager.local.dynalite import start_dynalite
from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator, start_emulator
from dynamodbmanager.local.events import DEFAULT_STAGE
from dynamodbmanager.local.gateway import LocalGateway
from dynamodbmanager.local.invoker import Invoker, runtime_libraries
from dynamodbmanager.local.processes import LOOPBACK, port_is_free
from dynamodbmanager.schema import (
    DEFAULT_DEFINITION_FILE,
    TableShape,
    create_table_parameters,
    idempotency_table_definition,
    load_definition,
)

#: Settings of the function's DynamoDB client that a developer may set in the environment of ``local``.
DYNAMODB_TUNING = ("DYNAMODB_CONNECT_TIMEOUT", "DYNAMODB_READ_TIMEOUT", "DYNAMODB_MAX_ATTEMPTS")

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

log = logging.getLogger("dynamodbmanager.local")
#: The function's own output, a record per line.
function_log = logging.getLogger("dynamodbmanager.function")

#: Where a data directory keeps the secret that signs its list cursors.
CURSOR_KEY_FILE = "cursor-signing-key"
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


class _QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without its access line: the gateway logs each request itself."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Nothing: the gateway's line has the latency and the correlation id werkzeug's lacks."""


def cursor_signing_key(data_dir: Path | None) -> str:
    """The secret that signs list cursors: ``$CURSOR_SIGNING_KEY``, else one kept in the data directory
    (made on first use, readable by its owner only), else a new one for this in-memory run."""
    if configured := os.environ.get("CURSOR_SIGNING_KEY"):
        return configured
    if data_dir is None:
        return secrets.token_urlsafe(32)
    path = data_dir / CURSOR_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(secrets.token_urlsafe(32))
    # O_NOFOLLOW: a link planted in the directory is refused (ELOOP), never read as the secret.
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), encoding="ascii") as stream:
        return stream.read().strip()


class PortBusy(Exception):
    """The gateway's port is taken by another program."""


@dataclass(frozen=True)
class StackConfig:
    """How to run the local stack; the defaults are what ``make run`` uses."""

    zip_path: Path
    port: int = 3000
    #: The table's CreateTable definition; its TableName unless ``table_name`` says otherwise.
    table_definition: Path = DEFAULT_DEFINITION_FILE
    table_name: str | None = None
    region: str = "us-east-1"
    stage: str = DEFAULT_STAGE
    #: An emulator to use instead of starting one (e.g. one Terraform was applied to).
    emulator_url: str | None = None
    emulator_port: int | None = None
    api_key: str | None = None
    #: Origins a browser may call from, comma-separated; empty: the gateway's own origin only.
    cors_allowed_origins: str = ""
    #: Host names answered besides loopback ones (a page that rebinds its own name to 127.0.0.1 is refused).
    allowed_hosts: tuple[str, ...] = ()
    log_level: str = "INFO"
    function_timeout: float = 10.0
    concurrency: int = 4
    #: Keep the table's data in this directory across restarts, served by dynalite instead of moto.
    data_dir: Path | None = None


class LocalStack:
    """Starts what ``config`` asks for; :meth:`close` stops all of it, in reverse order."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self._emulator: Emulator | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="dynamodbmanager-local-")
        #: Every line of the stack and its function: kept in the data directory, else gone with the temporary one.
        self.log_path = (config.data_dir or Path(self._workdir.name)) / LOG_FILE_NAME
        self._log_file: LogFile | None = None
        self.invoker: Invoker | None = None
        self.server: BaseWSGIServer | None = None
        self.definition = load_definition(config.table_definition)
        self.shape = TableShape.from_definition(self.definition)
        self.table_name: str = config.table_name or self.shape.table_name

    @property
    def url(self) -> str:
        """The gateway's base URL."""
        return f"http://{LOOPBACK}:{self.config.port}"

    @property
    def own_origins(self) -> str:
        """The origins the gateway itself is reached at, as a browser names them."""
        return f"http://{LOOPBACK}:{self.config.port},http://localhost:{self.config.port}"

    def _table_parameters(self, table_name: str) -> dict[str, Any]:
        """CreateTable parameters of the items table, from the definition file."""
        return create_table_parameters(self.definition, table_name)

    def start(self) -> LocalStack:
        """Start everything, or raise after stopping what was started."""
        config = self.config
        if not port_is_free(config.port):
            raise PortBusy(f"Port {config.port} on {LOOPBACK} is in use; stop what uses it or pass --port.")
        if not config.zip_path.is_file():
            raise FileNotFoundError(f"{config.zip_path} does not exist; run `make build` first.")
        try:
            if config.emulator_url is None and config.data_dir is not None:
                self._emulator = start_dynalite(config.data_dir, config.emulator_port, region=config.region)
                emulator_url = self._emulator.url
                self._emulator.ensure_table(self.table_name, self._table_parameters)
            elif config.emulator_url is None:
                self._emulator = start_emulator(config.emulator_port, region=config.region)
                emulator_url = self._emulator.url
                self._emulator.ensure_table(self.table_name, self._table_parameters)
            else:
                emulator_url = config.emulator_url
                Emulator(port=int(emulator_url.rsplit(":", 1)[1]), region=config.region).ensure_table(
                    self.table_name, self._table_parameters
                )
            self.emulator_url = emulator_url
            # Opened once the emulator runs: a second stack on the same data directory stops before it, never
            # moving this one's log aside.
            self._log_file = LogFile(self.log_path)
            logging.getLogger().addHandler(self._log_file)
            Emulator(port=int(emulator_url.rsplit(":", 1)[1]), region=config.region).ensure_table(
                DEFAULT_IDEMPOTENCY_TABLE_NAME, idempotency_table_definition
            )
            code_dir = Path(self._workdir.name) / "task"
            with zipfile.ZipFile(config.zip_path) as archive:
                archive.extractall(code_dir)
            env = {
                **DUMMY_CREDENTIALS,
                "AWS_REGION": config.region,
                "AWS_DEFAULT_REGION": config.region,
                "AWS_LAMBDA_FUNCTION_NAME": "dynamodbmanager_function",
                "TABLE_NAME": self.table_name,
                "TABLE_SHAPE": self.shape.to_env(),
                "IDEMPOTENCY_TABLE_NAME": DEFAULT_IDEMPOTENCY_TABLE_NAME,
                "DYNAMODB_ENDPOINT_URL": emulator_url,
                "LOG_LEVEL": config.log_level,
                "CORS_ALLOWED_ORIGINS": config.cors_allowed_origins or self.own_origins,
                "POWERTOOLS_SERVICE_NAME": "dynamodbmanager",
                "PYTHONDONTWRITEBYTECODE": "1",
                "TZ": "UTC",
                "CURSOR_SIGNING_KEY": cursor_signing_key(config.data_dir),
                # The function's DynamoDB timeouts and attempts, when the developer tunes them.
                **{name: os.environ[name] for name in DYNAMODB_TUNING if name in os.environ},
            }
            self.invoker = Invoker(
                code_dir,
                runtime_libraries(Path(self._workdir.name) / "runtime"),
                env,
                timeout=config.function_timeout,
                concurrency=config.concurrency,
                output=function_line,
            )
            self.cold_start_ms = self.invoker.warm()
            gateway = LocalGateway(
                self.invoker, stage=config.stage, api_key=config.api_key, allowed_hosts=config.allowed_hosts
            )
            self.server = make_server(
                LOOPBACK, config.port, gateway, threaded=True, request_handler=_QuietRequestHandler
            )
        except BaseException:
            self.close()
            raise
        return self

    def serve_forever(self) -> None:
        """Serve HTTP until :meth:`close` (or Ctrl-C)."""
        assert self.server is not None
        self.server.serve_forever()

    def close(self) -> None:
        """Stop the server, the workers and the emulator this stack started; close the log; remove the unpacked zip."""
        if self.server is not None:
            self.server.server_close()
        if self.invoker is not None:
            self.invoker.close()
        if self._emulator is not None:
            self._emulator.stop()
        if self._log_file is not None:
            logging.getLogger().removeHandler(self._log_file)
            self._log_file.close()
            self._log_file = None
        self._workdir.cleanup()
