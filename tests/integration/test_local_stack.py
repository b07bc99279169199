"""The local stack itself: the zip it runs, its isolation, API Gateway's own answers, ports and shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from werkzeug.test import Client

from dynamodbmanager.build import build_zip
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.gateway import MAX_PAYLOAD_BYTES, LocalGateway
from dynamodbmanager.local.invoker import Invoker, runtime_libraries
from dynamodbmanager.local.processes import ManagedProcess, free_port, port_is_free
from tests.conftest import ROOT, RunningStack, start_stack
from tests.httpclient import call

pytestmark = pytest.mark.integration


def test_the_zip_is_reproducible_and_holds_only_what_ships(lambda_zip: Path, tmp_path: Path) -> None:
    again = build_zip(tmp_path / "again.zip")
    assert again.read_bytes() == lambda_zip.read_bytes()
    names = zipfile.ZipFile(lambda_zip).namelist()
    assert names == sorted(names)
    assert "dynamodbmanager/handler.py" in names
    assert "dynamodbmanager/api/openapi.json" in names
    assert any(name.startswith("aws_lambda_powertools/logging/") for name in names)
    assert not any(name.startswith(("dynamodbmanager/local/", "boto3/", "botocore/")) for name in names)
    assert "dynamodbmanager/cli.py" not in names
    assert "dynamodbmanager/build.py" not in names
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zipfile.ZipFile(lambda_zip).infolist())
    digest = (lambda_zip.parent / "lambda.zip.sha256").read_text().split()[0]
    import hashlib

    assert digest == hashlib.sha256(lambda_zip.read_bytes()).hexdigest()


def _invoker(tmp_path: Path, source: str, timeout: float = 5.0) -> Invoker:
    code = tmp_path / "code"
    code.mkdir()
    (code / "probe.py").write_text(source)
    return Invoker(code, runtime_libraries(tmp_path / "runtime"), {}, handler="probe.handler", timeout=timeout)


def test_the_function_sees_only_the_zip_and_the_runtimes_libraries(tmp_path: Path) -> None:
    invoker = _invoker(
        tmp_path,
        "import importlib.util\n"
        "def handler(event, context):\n"
        "    found = {n: importlib.util.find_spec(n) is not None for n in event['modules']}\n"
        "    return {'statusCode': 200, 'body': repr(found)}\n",
    )
    try:
        result = invoker.invoke({"modules": ["botocore", "boto3", "aws_lambda_powertools", "werkzeug", "moto"]})
    finally:
        invoker.close()
    assert eval(result["body"]) == {  # noqa: S307 - the repr of a dict of bools written just above
        "botocore": True,
        "boto3": True,
        "aws_lambda_powertools": False,
        "werkzeug": False,
        "moto": False,
    }


def test_a_crashing_or_slow_function_is_a_502_like_api_gateway(tmp_path: Path) -> None:
    invoker = _invoker(
        tmp_path,
        "import time\n"
        "def handler(event, context):\n"
        "    if event['path'] == '/slow':\n"
        "        time.sleep(5)\n"
        "    if event['path'] == '/raise':\n"
        "        raise ValueError('boom')\n"
        "    if event['path'] == '/malformed':\n"
        "        return {'no': 'status'}\n"
        "    return {'statusCode': 200, 'headers': {'Content-Type': 'text/plain'}, 'body': 'ok'}\n",
        timeout=0.5,
    )
    client = Client(LocalGateway(invoker))
    try:
        for path in ("/slow", "/raise", "/malformed"):
            response = client.get(path)
            assert (response.status_code, response.json) == (502, {"message": "Internal server error"}), path
        assert client.get("/fine").text == "ok"
    finally:
        invoker.close()


def test_a_body_over_lambdas_payload_limit_is_413_before_the_function(tmp_path: Path) -> None:
    invoker = _invoker(tmp_path, "def handler(event, context):\n    raise AssertionError('never invoked')\n")
    try:
        response = Client(LocalGateway(invoker)).post("/items", data=b"x" * (MAX_PAYLOAD_BYTES + 1))
    finally:
        invoker.close()
    assert response.status_code == 413


def test_api_key_is_enforced_like_api_gateway(lambda_zip: Path, emulator: Emulator, tmp_path: Path) -> None:
    keyed = start_stack(lambda_zip, emulator, "anything", tmp_path / "keyed.log", "--api-key", "s3cret")
    try:
        refused = call("GET", f"{keyed.url}/items")
        assert (refused.status, refused.json()) == (403, {"message": "Forbidden"})
        assert call("GET", f"{keyed.url}/items", headers={"x-api-key": "wrong"}).status == 403
        assert call("GET", f"{keyed.url}/dev/items", headers={"x-api-key": "s3cret"}).status == 200
        assert call("GET", f"{keyed.url}/health").status == 200
        assert call("GET", f"{keyed.url}/dev/console").status == 200
        assert call("GET", f"{keyed.url}/console/console.js").status == 200
        # Public means those routes exactly, as in the Terraform: not a path that merely starts alike.
        for path in ("/healthz", "/consoles", "/console/", "/health/x"):
            assert call("GET", f"{keyed.url}{path}").status == 403, path
        assert call("DELETE", f"{keyed.url}/health").status == 403
        assert call("OPTIONS", f"{keyed.url}/items", headers={"Origin": "https://a.example"}).status == 204
    finally:
        keyed.process.stop()


def test_the_stage_prefix_is_the_one_asked_for(lambda_zip: Path, emulator: Emulator, tmp_path: Path) -> None:
    staged = start_stack(lambda_zip, emulator, "anything", tmp_path / "staged.log", "--stage", "prod")
    try:
        health = call("GET", f"{staged.url}/prod/health")
        assert health.status == 200
        assert call("GET", f"{staged.url}/prod/console").status == 200
        assert call("GET", f"{staged.url}/dev/health").status == 404
        assert "/prod/" in staged.log_path.read_text(encoding="utf-8")
    finally:
        staged.process.stop()


def test_a_busy_port_is_refused_with_a_clear_message(stack: RunningStack, lambda_zip: Path) -> None:
    port = int(stack.url.rsplit(":", 1)[1])
    result = subprocess.run(
        [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(lambda_zip)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr
    assert "--port" in result.stderr


def test_ctrl_c_stops_every_process_it_started(lambda_zip: Path, tmp_path: Path) -> None:
    port, emulator_port = free_port(), free_port()
    log = (tmp_path / "local.log").open("wb")
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(lambda_zip)]
    process = ManagedProcess([*argv, "--emulator-port", str(emulator_port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while port_is_free(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert call("POST", f"http://127.0.0.1:{port}/items", {"a": 1}).status == 201
        output = (tmp_path / "local.log").read_text()
        assert f"running on http://127.0.0.1:{port}" in output
        assert f"curl -X POST --data @payloads/create.json http://127.0.0.1:{port}/dynamodbmanager" in output
        os.kill(process.pid, signal.SIGINT)
        assert process.process.wait(20) == 0
        assert port_is_free(port)
        assert port_is_free(emulator_port)
        # Nothing of its process group is left.
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)
    finally:
        process.stop()


def test_help_explains_every_command() -> None:
    for command in ([], ["local"], ["build"], ["invoke"]):
        result = subprocess.run(
            [sys.executable, "-m", "dynamodbmanager.cli", *command, "--help"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        assert "example" in result.stdout
