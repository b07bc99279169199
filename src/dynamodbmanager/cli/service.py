"""``dynamodbmanager local``, ``build`` and ``invoke``: run the service locally, package it, call its RPC endpoint."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NoReturn

from dynamodbmanager.cli.output import API_KEY_VARIABLE, DEFAULT_URL, URL_VARIABLE
from dynamodbmanager.local.events import DEFAULT_STAGE, STAGE_NAME_PATTERN
from dynamodbmanager.local.logs import LOG_FORMATS
from dynamodbmanager.schema import DEFAULT_DEFINITION_FILE, InvalidDefinition


def _stage_name(value: str) -> str:
    """``--stage``'s type: a name API Gateway (and the Terraform's validation) accepts."""
    if not re.fullmatch(STAGE_NAME_PATTERN, value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a stage name: 1-128 letters, digits or underscores")
    return value


def _local(args: argparse.Namespace) -> int:
    from dynamodbmanager.local.dynalite import DynaliteInstallFailed, NodeMissing
    from dynamodbmanager.local.logs import terminal_handler
    from dynamodbmanager.local.stack import LocalStack, PortBusy, StackConfig

    if args.data_dir is not None and args.emulator_url is not None:
        print("error: --data-dir starts dynalite; it cannot be combined with --emulator-url", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, handlers=[terminal_handler(args.log_format, sys.stderr)])
    config = StackConfig(
        zip_path=Path(args.zip),
        port=args.port,
        table_definition=Path(args.table_definition),
        table_name=args.table,
        stage=args.stage,
        emulator_url=args.emulator_url,
        emulator_port=args.emulator_port,
        api_key=args.api_key,
        cors_allowed_origins=args.cors_origins,
        allowed_hosts=tuple(args.allow_host),
        log_level=args.log_level,
        function_timeout=args.function_timeout,
        data_dir=Path(args.data_dir) if args.data_dir is not None else None,
    )
    try:
        stack = LocalStack(config)
    except (OSError, InvalidDefinition) as exc:
        print(f"error: the table definition {args.table_definition}: {exc}", file=sys.stderr)
        return 2

    def stop(_signum: int, _frame: object) -> NoReturn:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start()
    except (PortBusy, FileNotFoundError, NodeMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (DynaliteInstallFailed, RuntimeError, TimeoutError) as exc:
        # The emulator did not come up (for dynalite, say, another stack holds the data directory).
        print(f"error: {exc}", file=sys.stderr)
        return 4
    # The key itself is never printed: this banner often ends up in a log.
    key = f' -H "x-api-key: ${API_KEY_VARIABLE}"' if args.api_key else ""
    data = "in memory (moto), gone when stopped"
    if config.data_dir is not None:
        data = f"dynalite, kept in {config.data_dir}"
    elif config.emulator_url is not None:
        data = "in the emulator given"
    kept = "" if config.data_dir is not None else " (removed when stopped)"
    shown = "a line per request, warnings and errors" if args.log_format == "text" else "the function's JSON lines"
    print(
        f"dynamodbmanager is running on {stack.url} (also under {stack.url}/{config.stage}/)\n"
        f"  DynamoDB emulator: {stack.emulator_url}  table: {stack.table_name}  data: {data}\n"
        f"  key: {stack.shape.describe()}\n"
        f"  function cold start: {stack.cold_start_ms:.0f} ms\n"
        f"  log: {shown} here; every line in full in {stack.log_path}{kept}\n"
        f"  try: curl -X POST{key} --data @payloads/create.json {stack.url}/dynamodbmanager\n"
        f"  Ctrl-C stops everything.",
        flush=True,
    )
    try:
        stack.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stack.close()
    return 0


def _build(args: argparse.Namespace) -> int:
    from dynamodbmanager.build import RUNTIME_VERSION, BuildError, build_zip, python_version

    python = args.python or sys.executable
    try:
        version = python_version(python)
        bytecode = {"auto": version == RUNTIME_VERSION, "yes": True, "no": False}[args.bytecode]
        output = build_zip(Path(args.output), bytecode=bytecode, python=python)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    digest = output.with_name(output.name + ".sha256").read_text(encoding="ascii").split()[0]
    print(f"{output} {output.stat().st_size} bytes sha256 {digest}")
    runtime = ".".join(map(str, RUNTIME_VERSION))
    if args.bytecode == "auto" and not bytecode:
        print(
            f"note: no bytecode in the zip: {python} is Python {version[0]}.{version[1]} and the runtime's is "
            f"{runtime}; pass --python (make build RUNTIME_PYTHON=...) with a Python {runtime} to ship it: shorter "
            "cold starts on Lambda",
            file=sys.stderr,
        )
    return 0


def _invoke(args: argparse.Namespace) -> int:
    body = sys.stdin.buffer.read() if args.payload == "-" else Path(args.payload).read_bytes()
    headers = {"Content-Type": "application/json"}
    if args.api_key:
        headers["x-api-key"] = args.api_key
    url = args.url.rstrip("/") + args.path
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - user's URL
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:  # noqa: S310
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode()
    except OSError as exc:
        print(f"error: cannot reach {url}: {exc}", file=sys.stderr)
        return 4
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    print(text)
    return 0 if status < 400 else 1


def register(commands: Any) -> None:
    """Add ``local``, ``build`` and ``invoke`` to ``commands`` (the root parser's subparsers)."""
    local = commands.add_parser(
        "local",
        help="run the local stack: DynamoDB emulator + API Gateway emulator invoking the built zip",
        description="Start a DynamoDB emulator on a free loopback port (moto, in memory; or dynalite with "
        "--data-dir, on disk), create the table, and serve the function from the built zip on a local API Gateway "
        "(routes bare and under /STAGE/). Ctrl-C stops everything.",
        epilog="examples:\n  dynamodbmanager local --port 3001 --api-key secret --stage prod\n"
        "  dynamodbmanager local --data-dir .local-data        # the data survives a restart (needs Node.js 20+)\n"
        "  dynamodbmanager local --log-format json             # the function's JSON log lines and EMF metrics",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    local.add_argument("--port", type=int, default=3000, help="gateway port on 127.0.0.1 (default: 3000)")
    local.add_argument("--zip", default="dist/lambda.zip", help="the deployment package (default: dist/lambda.zip)")
    local.add_argument(
        "--table-definition",
        metavar="FILE",
        default=str(DEFAULT_DEFINITION_FILE),
        help="the table's design as CreateTable JSON (what `aws dynamodb create-table --cli-input-json` takes): "
        "its key, sort key and indexes (default: the shipped anything.json, key id)",
    )
    local.add_argument("--table", help="table name (default: the definition's TableName)")
    local.add_argument(
        "--stage",
        type=_stage_name,
        default=DEFAULT_STAGE,
        help=f"stage prefix the routes are also served under, as the Terraform's stage_name (default: {DEFAULT_STAGE})",
    )
    local.add_argument("--emulator-url", help="use this running moto_server instead of starting one")
    local.add_argument("--emulator-port", type=int, help="port for the emulator started here (default: a free one)")
    local.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_VARIABLE),
        help=f"require this x-api-key on all but the public routes (default: ${API_KEY_VARIABLE}, "
        "which keeps the key out of ps)",
    )
    local.add_argument(
        "--cors-origins",
        default="",
        help="origins a browser may call the API from, comma-separated, or * for any (default: the gateway's own, "
        "http://127.0.0.1:PORT and http://localhost:PORT); a request from any other origin is a 403",
    )
    local.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host is NAME (repeatable; default: loopback names and addresses only, "
        "so no web page can reach the stack by rebinding its own name to 127.0.0.1)",
    )
    local.add_argument("--log-level", default="INFO", help="the function's log level (default: INFO)")
    local.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="what the terminal shows: text (default) is one line per request (time, method, path, status, "
        "latency, correlation id) and the function's warnings and errors, readable; json is every line the function "
        "writes, its Powertools JSON log lines and EMF metrics documents, as Lambda sends them to CloudWatch. "
        "Either way every line is written in full to local.log, in --data-dir or else in a temporary directory "
        "removed on stop; the banner names it",
    )
    local.add_argument("--function-timeout", type=float, default=10.0, help="seconds per invocation (default: 10)")
    local.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the table in DIR across restarts and crashes: runs dynalite (Node.js 20+, installed on first "
        "use with npm into .tools/) instead of moto's in-memory emulator",
    )
    local.set_defaults(run=_local)

    build = commands.add_parser(
        "build",
        help="package the function as a reproducible Lambda zip",
        description="Write the function's code and its bundled dependencies (not boto3/botocore) to a zip whose "
        "bytes depend only on the source, and its SHA-256 next to it.",
        epilog="examples:\n  dynamodbmanager build --output dist/lambda.zip\n"
        "  dynamodbmanager build --python /usr/bin/python3.13   # bytecode for the runtime from a 3.11 virtualenv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("--output", default="dist/lambda.zip", help="where to write the zip (default: dist/lambda.zip)")
    build.add_argument(
        "--bytecode",
        choices=("auto", "yes", "no"),
        default="auto",
        help="ship compiled bytecode; auto = only when the compiling Python is the Lambda runtime's version (3.13)",
    )
    build.add_argument(
        "--python",
        metavar="PYTHON",
        help="the interpreter that compiles the bytecode (default: this one); a Python 3.13 ships bytecode the "
        "runtime uses from a machine whose own Python is another version",
    )
    build.set_defaults(run=_build)

    invoke = commands.add_parser(
        "invoke",
        help="POST a payload file to the RPC endpoint and print the answer",
        description="Send a JSON body (a file, or - for stdin) to URL/dynamodbmanager and print the JSON answer. "
        "Exit status 0 for a 2xx/3xx answer, 1 for an error answer, 4 when the API cannot be reached.",
        epilog="example:\n  dynamodbmanager invoke payloads/read.json --url http://127.0.0.1:3000",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    invoke.add_argument("payload", help="JSON file to send, or - for stdin")
    invoke.add_argument("--url", default=os.environ.get(URL_VARIABLE, DEFAULT_URL), help="API base URL")
    invoke.add_argument("--path", default="/dynamodbmanager", help="path to POST to (default: /dynamodbmanager)")
    invoke.add_argument("--api-key", default=os.environ.get(API_KEY_VARIABLE), help="x-api-key to send")
    invoke.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default: 30)")
    invoke.set_defaults(run=_invoke)
