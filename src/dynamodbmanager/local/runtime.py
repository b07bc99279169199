"""A local Lambda execution environment: imports the handler from the unpacked zip and serves invocations.

Run as a script (never imported) with ``python -S -P``: no site-packages and no script directory, so only
the zip and the runtime-provided libraries given on PYTHONPATH are importable, as in Lambda. Invocations
arrive as length-prefixed JSON on one pipe and results leave on another; stdout and stderr are the
function's logs.
"""

import importlib
import json
import os
import struct
import sys
import time
import traceback

_HEADER = struct.Struct("!I")


class _Context:
    """The parts of Lambda's context object a handler commonly reads."""

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "dynamodbmanager_function")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"))
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's timeout, as Lambda counts them down."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _write(fd: int, payload: bytes) -> None:
    data = _HEADER.pack(len(payload)) + payload
    while data:
        data = data[os.write(fd, data) :]


def main() -> None:
    """Import the handler (the cold start), report ready, then serve invocations until the pipe closes."""
    read_fd, write_fd, handler_name, timeout_ms = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    module_name, _, function_name = handler_name.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception:
        traceback.print_exc()
        _write(write_fd, json.dumps({"errorType": "Runtime.ImportModuleError"}).encode())
        return
    _write(write_fd, b'{"ready": true}')
    while True:
        try:
            event = json.loads(_read_exactly(read_fd, _HEADER.unpack(_read_exactly(read_fd, _HEADER.size))[0]))
        except EOFError:
            return
        context = _Context(event.get("requestContext", {}).get("requestId", ""), timeout_ms)
        try:
            result = {"result": handler(event, context)}
        except Exception as exc:
            traceback.print_exc()
            result = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        sys.stdout.flush()
        _write(write_fd, json.dumps(result).encode())


if __name__ == "__main__":
    main()
