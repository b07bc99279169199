"""The local gateway on a developer's laptop: bounded request bodies and the API key, as API Gateway has them."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import uuid
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


def test_a_page_that_rebinds_its_name_to_the_loopback_is_refused(stack: RunningStack) -> None:
    item_id = f"rebind-{uuid.uuid4()}"
    assert call("PUT", f"{stack.url}/items/{item_id}", {"v": 1}).status == 201
    port = stack.url.rsplit(":", 1)[1]
    for host in (f"rebind.evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}"):
        reply = call("DELETE", f"{stack.url}/items/{item_id}", headers={"Host": host})
        assert reply.status == 403, host
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert call("GET", f"{stack.url}/items/{item_id}", headers={"Host": host}).status == 200, host


def test_a_cross_site_form_post_writes_nothing_but_curl_and_the_own_origin_do(stack: RunningStack) -> None:
    item_id = f"csrf-{uuid.uuid4()}"
    assert call("PUT", f"{stack.url}/items/{item_id}", {"v": 1}).status == 201
    body = json.dumps({"operation": "delete", "payload": {"Key": {"id": item_id}}})
    form = {"Content-Type": "text/plain", "Origin": "https://evil.example"}
    refused = call("POST", f"{stack.url}/dynamodbmanager", body, form)
    assert (refused.status, refused.json()["error"]["code"]) == (403, "OriginNotAllowed")
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert call("GET", f"{stack.url}/items/{item_id}").status == 200
    # The console's own origin and curl (no Origin at all) are served.
    assert call("GET", f"{stack.url}/items/{item_id}", headers={"Origin": stack.url}).status == 200
    assert call("POST", f"{stack.url}/dynamodbmanager", body, {"Content-Type": "text/plain"}).status == 200
    assert call("GET", f"{stack.url}/items/{item_id}").status == 404


def test_cors_origins_named_at_start_are_allowed(lambda_zip: Path, emulator: Emulator, tmp_path: Path) -> None:
    named = start_stack(
        lambda_zip, emulator, "hardening", tmp_path / "local.log", "--cors-origins", "https://app.example"
    )
    try:
        allowed = call("GET", f"{named.url}/items", headers={"Origin": "https://app.example"})
        assert (allowed.status, allowed.header("Access-Control-Allow-Origin")) == (200, "https://app.example")
        assert call("GET", f"{named.url}/items", headers={"Origin": "https://other.example"}).status == 403
    finally:
        named.process.stop()
