"""scripts/smoke.py against the local API Gateway: it passes on a healthy API, names the call that fails, cleans up."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.processes import ManagedProcess, free_port, wait_for_http

from .conftest import ROOT, SCRIPTS

API_KEY = "smoke-test-key-0123456789"
EXPECTED_CALLS = [
    "200 GET /health",
    *["200 POST /dynamodbmanager"] * 5,
    "201 POST /items",
    "200 GET /items/{id}",
    "200 PATCH /items/{id}",
    "200 PUT /items/{id}",
    "201 PUT /items/{id}",
    "200 GET /items?limit=1",
    "204 DELETE /items/{id}",
    "204 DELETE /items/{id}",
    "404 GET /items/{id}",
]


@dataclass
class LocalApi:
    """``dynamodbmanager local`` with an API key, and the emulator behind it."""

    url: str
    emulator: Emulator

    def item_ids(self) -> list[str]:
        """Ids of every item in the table."""
        items = self.emulator.client("dynamodb").scan(TableName="anything", ConsistentRead=True)["Items"]
        return sorted(item["id"]["S"] for item in items)


@pytest.fixture(scope="module")
def local_api(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    """The local stack serving the built zip, requiring ``API_KEY``, with its own in-memory emulator."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("smoke") / "local.log"
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(lambda_zip)]
    with log_path.open("wb") as log:
        process = ManagedProcess([*argv, "--api-key", API_KEY], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process, timeout=60)
        match = re.search(r"DynamoDB emulator: http://127\.0\.0\.1:(\d+)", log_path.read_text())
        assert match, log_path.read_text()
        yield LocalApi(f"http://127.0.0.1:{port}/dev", Emulator(port=int(match[1])))
    finally:
        process.stop()


def smoke(*args: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/smoke.py with ``args``."""
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "smoke.py"), *args], capture_output=True, text=True, timeout=120, check=False
    )


def calls(stdout: str) -> list[str]:
    """The ``status METHOD path`` of each call smoke.py reported, item ids replaced by ``{id}``."""
    found = re.findall(r"^ok    (\d{3} \S+ \S+)", stdout, re.MULTILINE)
    return [re.sub(r"/items/[^?\s]+", "/items/{id}", call) for call in found]


def test_passes_on_a_healthy_api_and_leaves_no_item_behind(local_api: LocalApi) -> None:
    """Every RPC payload and REST call answers as the contract says; the run's items are gone afterwards."""
    before = local_api.item_ids()
    result = smoke("--url", local_api.url, "--api-key", API_KEY, "--run-id", "smoke-ok")
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls(result.stdout) == EXPECTED_CALLS
    assert result.stdout.rstrip().endswith("smoke test passed")
    assert local_api.item_ids() == before


def test_fails_naming_the_call_when_the_key_is_wrong(local_api: LocalApi) -> None:
    """A wrong key passes the public health check, is retried for the bounded wait, then fails by name and status."""
    started = time.monotonic()
    args = ("--url", local_api.url, "--api-key", "not-the-key", "--run-id", "smoke-bad-key", "--key-wait", "3")
    result = smoke(*args)
    assert result.returncode == 1
    assert time.monotonic() - started < 30, "the wait for the key is bounded"
    assert calls(result.stdout) == ["200 GET /health"]
    assert "wait  403 POST /dynamodbmanager: waiting for the new API key to take effect" in result.stdout
    assert "FAIL  RPC create.json: POST /dynamodbmanager answered 403, expected 200" in result.stderr


@dataclass
class NewKey:
    """A proxy in front of the API that answers keyed calls as API Gateway does while a new key is not yet in force."""

    url: str
    refused: int = 0


@contextmanager
def key_in_force_after(seconds: float, local_api: LocalApi) -> Iterator[NewKey]:
    """Serve ``local_api`` through a proxy that refuses every call but /health with 403 for ``seconds``."""
    upstream = local_api.url.rsplit("/", 1)[0]  # the gateway's origin; paths keep their /dev prefix
    in_force_at = time.monotonic() + seconds

    class Handler(BaseHTTPRequestHandler):
        def relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            if not self.path.endswith("/health") and time.monotonic() < in_force_at:
                proxy.refused += 1
                status, headers, answer = 403, {"Content-Type": "application/json"}, b'{"message":"Forbidden"}'
            else:
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = urllib.request.Request(
                    upstream + self.path, data=body, method=self.command, headers=forwarded
                )
                try:
                    with urllib.request.urlopen(request, timeout=15) as response:
                        status, headers, answer = response.status, dict(response.headers.items()), response.read()
                except urllib.error.HTTPError as error:
                    status, headers, answer = error.code, dict(error.headers.items()), error.read()
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = relay

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads smoke.py's output, not the proxy's."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy = NewKey(f"http://127.0.0.1:{server.server_address[1]}/dev")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_waits_for_a_new_key_to_take_effect_then_passes(local_api: LocalApi) -> None:
    """Right after a deploy the key is refused for a few seconds: the run says it waits, retries, then passes."""
    with key_in_force_after(3.0, local_api) as proxy:
        result = smoke("--url", proxy.url, "--api-key", API_KEY, "--run-id", "smoke-new-key")
    assert result.returncode == 0, result.stdout + result.stderr
    assert proxy.refused >= 1
    assert re.search(r"^wait  403 POST /dynamodbmanager: waiting for the new API key", result.stdout, re.MULTILINE)
    assert calls(result.stdout) == EXPECTED_CALLS
    assert not [item for item in local_api.item_ids() if item.startswith("smoke-new-key")]


def test_fails_on_an_unexpected_status_and_still_cleans_up(local_api: LocalApi, tmp_path: Path) -> None:
    """A payload the API refuses stops the run at that call, and the item created before it is deleted."""
    for name in ("create", "read", "update", "delete", "list"):
        (tmp_path / f"{name}.json").write_text((ROOT / "payloads" / f"{name}.json").read_text())
    (tmp_path / "update.json").write_text('{"operation": "update", "payload": {"Key": {"id": "x"}}}')
    result = smoke("--url", local_api.url, "--api-key", API_KEY, "--payloads", str(tmp_path), "--run-id", "smoke-bad")
    assert result.returncode == 1
    assert calls(result.stdout) == ["200 GET /health", "200 POST /dynamodbmanager", "200 POST /dynamodbmanager"]
    assert "FAIL  RPC update.json: POST /dynamodbmanager answered 4" in result.stderr
    assert not [item for item in local_api.item_ids() if item.startswith("smoke-bad")]


def test_reports_an_api_that_does_not_answer() -> None:
    """Nothing listening: one clear failure line, not a traceback."""
    result = smoke("--url", f"http://127.0.0.1:{free_port()}/dev", "--wait", "0", "--timeout", "2")
    assert result.returncode == 1
    assert re.search(r"^FAIL  GET /health: no answer", result.stderr, re.MULTILINE)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--help"], "--url"),
        (["--url", "ftp://example.com"], "must be an http(s) URL"),
        (["--url", "http://127.0.0.1:1", "--payloads", "/nonexistent"], "lacks create.json"),
    ],
)
def test_command_line(args: list[str], message: str) -> None:
    """--help explains the options; a bad URL or payload directory is refused before any call."""
    result = smoke(*args)
    assert result.returncode == (0 if args == ["--help"] else 2)
    assert message in result.stdout + result.stderr
