"""The local gateway on a developer's laptop: bounded request bodies and the API key, as API Gateway has them."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT, start_stack
from tests.httpclient import call

if TYPE_CHECKING:
    from dynamodbmanager.local.emulator import Emulator
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
API_KEY = "local-hardening-key"


@pytest.fixture(scope="module")
def keyed(lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A local stack that requires an API key."""
    log = tmp_path_factory.mktemp("hardening") / "local.log"
    running = start_stack(lambda_zip, emulator, "hardening", log, "--api-key", API_KEY)
    try:
        yield running
    finally:
        running.process.stop()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_chunked_body_is_refused_once_it_passes_the_limit_without_being_read_whole(keyed: RunningStack) -> None:
    before = _rss_kib(keyed.process.pid)
    connection = http.client.HTTPConnection("127.0.0.1", int(keyed.url.rsplit(":", 1)[1]), timeout=30)
    chunk = b"x" * (1024 * 1024)
    try:
        connection.putrequest("GET", "/health")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        try:
            for _ in range(64):  # 64 MB, ten times the limit, on a public route
                connection.send(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # The gateway stopped reading at the limit and answered.
        status = connection.getresponse().status
    finally:
        connection.close()
    assert status == 413
    assert _rss_kib(keyed.process.pid) - before < 32 * 1024


def test_the_api_key_is_checked_and_its_id_reaches_the_function(keyed: RunningStack) -> None:
    assert call("GET", f"{keyed.url}/items").status == 403
    assert call("GET", f"{keyed.url}/items", headers={"x-api-key": API_KEY + "x"}).status == 403
    assert call("GET", f"{keyed.url}/items", headers={"x-api-key": API_KEY}).status == 200


def test_local_help_says_the_api_key_can_come_from_the_environment() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dynamodbmanager.cli", "local", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert "DYNAMODBMANAGER_API_KEY" in " ".join(done.stdout.split())
    assert "out of ps" in " ".join(done.stdout.split())
