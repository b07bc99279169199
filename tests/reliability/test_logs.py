"""Secrets and personal data never reach the logs at the default level; the local servers listen on loopback only."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dynamodbmanager.local.emulator import Emulator
from tests.conftest import start_stack
from tests.httpclient import call
from tests.reliability.transports import Request, to_app
from tests.stacklog import log_file, wait_until

if TYPE_CHECKING:
    from tests.conftest import RunningStack
    from tests.reliability.conftest import AppFactory

pytestmark = pytest.mark.integration
API_KEY = f"api-key-{uuid.uuid4().hex}"
TOKEN = f"Bearer token-{uuid.uuid4().hex}"
#: Values a client stores that are nobody else's business: they must appear in no log line.
PERSONAL = {"email": "ana.souza@example.com", "ssn": "123-45-6789", "card": "4111111111111111"}


def _requests(item_id: str) -> list[tuple[str, str, object]]:
    """A full request cycle over both contracts, failures included."""
    patched = {"note": "call me at +55 11 91234-5678"}
    rpc_item = {"id": f"{item_id}-rpc", **PERSONAL}
    return [
        ("POST", "/items", {"id": item_id, **PERSONAL}),
        ("GET", f"/items/{item_id}", None),
        ("PATCH", f"/items/{item_id}", patched),
        ("PUT", f"/items/{item_id}", {"id": item_id, "ssn": PERSONAL["ssn"], "n": 1}),
        ("GET", "/items?limit=5", None),
        ("POST", "/items", {"id": item_id, **PERSONAL}),  # 409
        ("POST", "/items", {"id": item_id, "ssn": PERSONAL["ssn"], "bad": float("nan")}),  # 400
        ("POST", "/dynamodbmanager", {"operation": "create", "payload": {"Item": rpc_item}}),
        ("POST", "/dynamodbmanager", {"operation": "read", "payload": {"Key": {"id": rpc_item["id"]}}}),
        (
            "POST",
            "/dynamodbmanager",
            {
                "operation": "update",
                "payload": {
                    "Key": {"id": rpc_item["id"]},
                    "UpdateExpression": "SET email = :e",
                    "ExpressionAttributeValues": {":e": PERSONAL["email"]},
                    "ReturnValues": "ALL_NEW",
                },
            },
        ),
        ("POST", "/dynamodbmanager", {"operation": "list", "payload": {"Limit": 3}}),
        ("POST", "/dynamodbmanager", {"operation": "delete", "payload": {"Key": {"id": rpc_item["id"]}}}),
        ("DELETE", f"/items/{item_id}", None),
    ]


def _assert_clean(text: str) -> None:
    assert text.strip(), "the log is empty: nothing was captured"
    for secret in (*PERSONAL.values(), API_KEY, TOKEN, TOKEN.split()[1], "91234-5678"):
        assert secret not in text, f"{secret!r} is in the log"


def test_a_full_request_cycle_logs_no_secret_over_the_local_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path: Path
) -> None:
    log = tmp_path / "local.log"
    stack = start_stack(lambda_zip, emulator, "reliability_logs", log, "--api-key", API_KEY)
    try:
        headers = {"x-api-key": API_KEY, "Authorization": TOKEN, "Idempotency-Key": f"k-{uuid.uuid4()}"}
        for method, path, body in _requests(f"logged-{uuid.uuid4()}"):
            sent = json.dumps(body) if body is not None else None
            extra = {"Content-Type": "application/json"} if sent is not None else {}
            reply = call(method, f"{stack.url}{path}", sent, {**headers, **extra})
            assert reply.status < 500, reply.body
        # Refused by the gateway: a wrong key is not logged either.
        assert call("GET", f"{stack.url}/items", headers={"x-api-key": f"{API_KEY}-wrong"}).status == 403
        # The function's JSON lines go whole to the log file the banner names (gone once the stack stops).
        full = wait_until(
            log_file(stack).read_text, lambda text: text.count('"message":"request"') >= 14, "the function's lines"
        )
    finally:
        stack.process.stop()
    assert '"operation":"items.delete"' in full  # the function's own log lines are in there
    _assert_clean(full)
    _assert_clean(log.read_text(encoding="utf-8", errors="replace"))  # and the terminal


def test_the_handler_logs_no_secret_from_api_gateway_events(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    app = make_app("reliability_logs", stream)
    item_id = f"logged-{uuid.uuid4()}"
    headers = (("Content-Type", "application/json"), ("x-api-key", API_KEY), ("Authorization", TOKEN))
    for method, target, body in _requests(item_id):
        path, _, query = target.partition("?")
        data = json.dumps(body).encode() if body is not None else None
        for payload_format in ("v1", "v2"):
            exchange = to_app(app, Request(method, path, query, headers, data), payload_format)
            assert exchange.status < 500, exchange.body
    _assert_clean(stream.getvalue() + capsys.readouterr().out)


def _listening(port: int) -> set[str]:
    """The local addresses a TCP socket listens on for ``port``, read from /proc (no traffic sent)."""
    addresses = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(address if width == 8 else f"v6:{address}")
    return addresses


def test_the_gateway_and_the_emulator_listen_on_loopback_only(reliability_stack: RunningStack) -> None:
    loopback = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it
    gateway_port = int(reliability_stack.url.rsplit(":", 1)[1])
    for port in (gateway_port, reliability_stack.emulator.port):
        assert _listening(port) == {loopback}
