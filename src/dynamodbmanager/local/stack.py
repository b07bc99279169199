"""The whole local stack: emulator, table, unpacked zip, warm workers and HTTP server, started and stopped together.

What the stack and its function say goes through :mod:`logging` (see :mod:`dynamodbmanager.local.logs`): every
line to the stack's log file (:attr:`LocalStack.log_path`), and readably or as written to the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler, make_server

from dynamodbmanager.config import DEFAULT_IDEMPOTENCY_TABLE_NAME
from dynamodbmanager.local.dynalite import start_dynalite
from dynamodbmanager.local.emulator import DUMMY_CREDENTIALS, Emulator, start_emulator
from dynamodbmanager.local.events import DEFAULT_STAGE
from dynamodbmanager.local.gateway import LocalGateway
from dynamodbmanager.local.invoker import Invoker, runtime_libraries
from dynamodbmanager.local.logs import LOG_FILE_NAME, LogFile, function_line
from dynamodbmanager.local.processes import LOOPBACK, port_is_free
from dynamodbmanager.schema import (
    DEFAULT_DEFINITION_FILE,
    TableShape,
    create_table_parameters,
    idempotency_table_definition,
    load_definition,
)

#: Settings of the function that a developer may set in the environment of ``local``: its DynamoDB client's
#: timeouts and attempts, and which client and telemetry it uses (lean, or botocore and Powertools).
FUNCTION_SETTINGS = (
    "DYNAMODB_CONNECT_TIMEOUT",
    "DYNAMODB_READ_TIMEOUT",
    "DYNAMODB_MAX_ATTEMPTS",
    "DYNAMODB_CLIENT",
    "TELEMETRY",
)

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

log = logging.getLogger("dynamodbmanager.local")
#: Where a data directory keeps the secret that signs its list cursors.
CURSOR_KEY_FILE = "cursor-signing-key"


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
                # What the developer chose in the environment of `local`.
                **{name: os.environ[name] for name in FUNCTION_SETTINGS if name in os.environ},
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
