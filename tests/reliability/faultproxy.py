"""A small HTTP proxy between the function and the emulator that injects DynamoDB's failures on demand.

It forwards every request unchanged unless a fault is armed for the request's DynamoDB operation (read
from ``X-Amz-Target``): then it answers a throttling error exactly as DynamoDB does, delays the answer,
or stops listening altogether so that connections are refused.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dynamodbmanager.local.processes import LOOPBACK, free_port

#: DynamoDB's throttling errors as its JSON 1.0 protocol sends them: HTTP 400, ``__type`` and x-amzn-ErrorType.
THROTTLING = {
    "ProvisionedThroughputExceededException": (
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "ThrottlingException": (
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
}
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"})


@dataclass
class Fault:
    """What to do to requests for ``operation`` (e.g. ``PutItem``; None for all), ``times`` times (None: always)."""

    operation: str | None
    throttle: str | None = None
    delay: float = 0.0
    times: int | None = None


class FaultProxy:
    """A threaded forwarding proxy on a free loopback port; :meth:`close` stops it."""

    def __init__(self, upstream_url: str) -> None:
        host, port = upstream_url.removeprefix("http://").rsplit(":", 1)
        self.upstream = (host, int(port))
        self.port = free_port()
        self.seen: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.listen()

    @property
    def url(self) -> str:
        """The endpoint to give the function instead of the emulator's."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def listening(self) -> bool:
        """Whether the proxy accepts connections now."""
        return self._server is not None

    def listen(self) -> None:
        """Accept connections (again) on the proxy's port."""
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = ThreadingHTTPServer((LOOPBACK, self.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()

    def refuse(self) -> None:
        """Stop listening: every connection to the port is refused until :meth:`listen`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def inject(self, fault: Fault) -> None:
        """Arm ``fault`` for the requests that follow."""
        with self._lock:
            self._faults.append(fault)

    def reset(self) -> None:
        """Disarm every fault and forget the requests seen."""
        with self._lock:
            self._faults.clear()
            self.seen.clear()

    def close(self) -> None:
        """Stop the proxy."""
        self.refuse()

    def _take(self, operation: str) -> Fault | None:
        """The fault to apply to one request for ``operation``, counting it down; counts the request too."""
        with self._lock:
            self.seen[operation] += 1
            for fault in self._faults:
                if fault.operation in (None, operation) and fault.times != 0:
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
            return None


class _Handler(BaseHTTPRequestHandler):
    """Forwards one request, or answers with the fault armed for it."""

    proxy: FaultProxy

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the counters instead."""

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2] or self.command
        fault = self.proxy._take(operation)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.throttle is not None:
            error_type, message = THROTTLING[fault.throttle]
            self._answer(
                400,
                [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", f"{fault.throttle}:")],
                json.dumps({"__type": error_type, "message": message}).encode(),
            )
            return
        connection = http.client.HTTPConnection(*self.proxy.upstream, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            self._answer(response.status, kept, data)
        finally:
            connection.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client gave up waiting (its read timeout): that is what a delay is for.

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward
