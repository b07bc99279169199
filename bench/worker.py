"""A stand-in Lambda execution environment that times a handler's import, first request and warm requests.

Run as a script (never imported) with ``python -S -P`` and PYTHONPATH set to the code directory and the
runtime libraries, as ``dynamodbmanager.local.runtime`` is. botocore's HTTP layer, and the sockets of a client
that speaks HTTP itself, are replaced by canned DynamoDB answers, so serialisation, signing and parsing run
but no network does. Reads a JSON spec, writes
a JSON report; the handler's own stdout (logs, metrics) goes wherever the caller sent it.
"""

import importlib
import io
import json
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Context:
    """The parts of Lambda's context object a handler reads."""

    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    function_name = "dynamodbmanager_function"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:dynamodbmanager_function"
    log_group_name = "/aws/lambda/dynamodbmanager_function"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        """Always plenty."""
        return 10_000


class CannedBody:
    """The ``raw`` of a botocore response: a body read in one chunk."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        """The body, as urllib3 would stream it."""
        yield self._body


def stub_http(answers: dict[str, str]) -> None:
    """Make every botocore HTTP send answer DynamoDB's canned response for its operation."""
    from botocore.awsrequest import AWSResponse
    from botocore.httpsession import URLLib3Session

    encoded = {operation: body.encode() for operation, body in answers.items()}

    def send(_session: Any, request: Any) -> Any:
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else str(target)).rpartition(".")[2]
        body = encoded[operation]
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "Content-Length": str(len(body)),
            "x-amzn-RequestId": "BENCH0000000000000000000000000000000000000000000000000",
            "x-amz-crc32": str(zlib.crc32(body)),
        }
        return AWSResponse(request.url, 200, headers, CannedBody(body))

    URLLib3Session.send = send


class CannedSocket:
    """A connected socket whose peer is DynamoDB answering every request with its canned response at once."""

    def __init__(self, answers: dict[str, bytes]) -> None:
        self._answers = answers
        self._sent = bytearray()
        # A descriptor that is never readable, for a client that polls its idle connection before reusing it.
        self._never_readable = os.pipe()[1]

    def fileno(self) -> int:
        """The write end of a pipe: polled for input, it never has any, as a kept-alive connection."""
        return self._never_readable

    def sendall(self, data: bytes) -> None:
        """Keep what the client sends; the answer is chosen by the request's X-Amz-Target."""
        self._sent += data

    def makefile(self, _mode: str = "rb", *_args: Any, **_kwargs: Any) -> io.BytesIO:
        """The response to the request sent so far, as the file http.client reads a response from."""
        target = self._sent.split(b"X-Amz-Target: ", 1)[1].split(b"\r\n", 1)[0]
        body = self._answers[target.decode().rpartition(".")[2]]
        self._sent.clear()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
            f"Content-Length: {len(body)}\r\nx-amzn-RequestId: BENCH0000000000000000000000000000000000000000000000\r\n"
            f"x-amz-crc32: {zlib.crc32(body)}\r\nConnection: keep-alive\r\n\r\n"
        )
        return io.BytesIO(head.encode() + body)

    def settimeout(self, _timeout: float | None) -> None:
        """Nothing to wait for."""

    def setsockopt(self, *_args: Any) -> None:
        """No options to set."""

    def close(self) -> None:
        """Nothing to close."""


def stub_sockets(answers: dict[str, str]) -> None:
    """Make every http.client connection, TLS or not, a :class:`CannedSocket`, as botocore's stub skips TLS too."""
    import http.client
    import ssl

    encoded = {operation: body.encode() for operation, body in answers.items()}

    def connect(connection: http.client.HTTPConnection) -> None:
        connection.sock = CannedSocket(encoded)

    http.client.HTTPConnection.connect = connect  # type: ignore[method-assign,assignment]
    http.client.HTTPSConnection.connect = connect  # type: ignore[method-assign,assignment]
    # No TLS happens, so no certificates are loaded either (botocore's stub never reaches its TLS context).
    ssl.create_default_context = lambda *_args, **_kwargs: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Silent:
    """Stands in for the app's logger and metrics: every method does nothing."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *_args, **_kwargs: None


def silenced(module: Any) -> Callable[[], None]:
    """Replace ``module.app``'s logger and metrics with Silent ones; returns what puts them back."""
    app = getattr(module, "app", None)
    if app is None:
        return lambda: None
    logger, metrics = app.logger, app.metrics
    app.logger, app.metrics = Silent(), Silent()

    def restore() -> None:
        app.logger, app.metrics = logger, metrics

    return restore


def time_case(
    handler: Handler, event: dict[str, Any], warmup: int, rounds: int, batch: int
) -> tuple[list[float], list[float]]:
    """Mean CPU and wall µs per request of each of ``rounds`` batches, after ``warmup`` untimed requests.

    CPU time is the handler's own cost even on a machine busy with other work; wall time is kept beside it.
    """
    context = Context()
    for _ in range(warmup):
        handler(event, context)
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(rounds):
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for _ in range(batch):
            handler(event, context)
        cpu.append((time.process_time() - cpu_started) / batch * 1e6)
        wall.append((time.perf_counter() - wall_started) / batch * 1e6)
    return cpu, wall


def peak_rss_kb() -> int:
    """VmHWM: the most resident memory this process has held, in KiB (0 where /proc is not there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
    except (OSError, StopIteration):
        return 0


def main() -> None:
    """Import the handler (timed), stub HTTP, time the first request, then every case warm."""
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        spec: dict[str, Any] = json.load(spec_file)
    module_name, _, function_name = spec["handler"].rpartition(".")
    started = time.perf_counter()
    module = importlib.import_module(module_name)
    handler: Handler = getattr(module, function_name)
    import_ms = (time.perf_counter() - started) * 1000
    if "botocore" in sys.modules:
        stub_http(spec["answers"])
    stub_sockets(spec["answers"])
    cases: list[dict[str, Any]] = spec["cases"]
    started = time.perf_counter()
    first = handler(cases[0]["event"], Context())
    first_ms = (time.perf_counter() - started) * 1000
    report: dict[str, Any] = {"import_ms": import_ms, "first_ms": first_ms, "first_status": first["statusCode"]}
    results: dict[str, Any] = {}
    for case in cases:
        # A silent case measures what the request costs without its log line and metrics.
        restore = silenced(module) if case.get("silent") else (lambda: None)
        try:
            status = handler(case["event"], Context())["statusCode"]
            timed = time_case(handler, case["event"], **spec["timing"]) if spec["timing"]["rounds"] else ([], [])
        finally:
            restore()
        results[case["name"]] = {"status": status, "cpu_us": timed[0], "wall_us": timed[1]}
    report["cases"] = results
    report["peak_rss_kb"] = peak_rss_kb()
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(report, out)


if __name__ == "__main__":
    main()
