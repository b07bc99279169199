"""Runs the function from the unpacked zip in worker processes, one invocation at a time per worker, as Lambda does.

A worker is a warm execution environment: its first invocation pays the cold start, the next ones reuse
it. A worker that crashes or runs past the function's timeout is killed and replaced. What the function writes
on stdout and stderr (its logs, its EMF metrics) goes to the terminal as it is, or line by line to a
:data:`FunctionOutput` the stack gives, as Lambda ships each line to CloudWatch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

_HEADER = struct.Struct("!I")
#: Longest line handed on at once; a longer one arrives in pieces, so a runaway print cannot exhaust memory.
MAX_LINE_BYTES = 256 * 1024
#: Receives each line the function writes (newline included) with the name of its stream, "stdout" or "stderr".
FunctionOutput = Callable[[str, bytes], None]
RUNTIME_SCRIPT = Path(__file__).with_name("runtime.py")
#: Packages the Lambda Python runtime provides; everything else must come from the zip.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
log = logging.getLogger("dynamodbmanager.local")


class InvocationError(Exception):
    """The function raised, crashed or timed out: API Gateway answers 502."""


def runtime_libraries(target: Path) -> Path:
    """A directory holding only what the Lambda runtime provides (links into this environment)."""
    import importlib.util

    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        link = target / source.name
        if not link.exists():
            link.symlink_to(source, target_is_directory=source.is_dir())
    return target


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    data = b""
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _forward(stream: IO[bytes], name: str, output: FunctionOutput) -> None:
    """Hand each line of ``stream`` to ``output`` until the worker closes it; a failing ``output`` loses one line only.

    The pipe must be drained whatever happens: a full one would block the function in its next print.
    """
    with stream:
        for line in iter(lambda: stream.readline(MAX_LINE_BYTES), b""):
            try:
                output(name, line)
            except Exception:
                log.exception("the function's %s line could not be logged", name)


class Worker:
    """One execution environment: a ``runtime.py`` process fed through a pair of pipes."""

    def __init__(
        self,
        code_dir: Path,
        libraries: Path,
        env: dict[str, str],
        handler: str,
        timeout: float,
        *,
        output: FunctionOutput | None = None,
    ) -> None:
        self.timeout = timeout
        to_worker_read, self._to_worker = os.pipe()
        self._from_worker, from_worker_write = os.pipe()
        argv = [sys.executable, "-S", "-P", str(RUNTIME_SCRIPT), str(to_worker_read), str(from_worker_write)]
        argv += [handler, str(int(timeout * 1000))]
        worker_env = {
            **env,
            "PYTHONPATH": f"{code_dir}{os.pathsep}{libraries}",
            "PYTHONUNBUFFERED": "1",
            # Lambda's runtime writes UTF-8 whatever the locale of the machine running this one.
            "PYTHONIOENCODING": "utf-8",
        }
        piped = subprocess.PIPE if output is not None else None
        self.process = subprocess.Popen(
            argv, env=worker_env, pass_fds=(to_worker_read, from_worker_write), stdout=piped, stderr=piped
        )
        os.close(to_worker_read)
        os.close(from_worker_write)
        self._forwarders: list[threading.Thread] = []
        if output is not None:
            for name, stream in (("stdout", self.process.stdout), ("stderr", self.process.stderr)):
                assert stream is not None
                thread = threading.Thread(target=_forward, args=(stream, name, output), name=f"function-{name}")
                thread.daemon = True
                thread.start()
                self._forwarders.append(thread)
        started = time.perf_counter()
        ready = self._receive(time.monotonic() + max(timeout, 30.0))
        if not ready.get("ready"):
            self.close()
            raise InvocationError(f"The function could not start: {ready.get('errorType', 'unknown error')}")
        self.init_ms = (time.perf_counter() - started) * 1000

    def _receive(self, deadline: float) -> dict[str, Any]:
        size = _HEADER.unpack(_read_exactly(self._from_worker, _HEADER.size, deadline))[0]
        message: dict[str, Any] = json.loads(_read_exactly(self._from_worker, size, deadline))
        return message

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """The handler's result for ``event``; raises InvocationError when the function fails."""
        payload = json.dumps(event).encode()
        try:
            os.write(self._to_worker, _HEADER.pack(len(payload)))
            view = memoryview(payload)
            while view:
                view = view[os.write(self._to_worker, view) :]
            message = self._receive(time.monotonic() + self.timeout)
        except TimeoutError:
            self.close()
            raise InvocationError(f"Task timed out after {self.timeout:.2f} seconds") from None
        except (EOFError, OSError):
            self.close()
            raise InvocationError("The function's process exited") from None
        if "result" not in message:
            raise InvocationError(f"{message.get('errorType')}: {message.get('errorMessage')}")
        result: dict[str, Any] = message["result"]
        return result

    def alive(self) -> bool:
        """Whether the worker can take another invocation."""
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the worker: closing its pipe ends its loop; a stuck one is killed."""
        for fd in (self._to_worker, self._from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Its last lines reach the log before the stack closes the log.
        for thread in self._forwarders:
            thread.join(timeout=2)


class Invoker:
    """A pool of up to ``concurrency`` warm workers, grown on demand like Lambda's concurrency.

    The workers' stdout and stderr are this process's, unless ``output`` takes them a line at a time.
    """

    def __init__(
        self,
        code_dir: Path,
        libraries: Path,
        env: dict[str, str],
        *,
        handler: str = "dynamodbmanager.handler.lambda_handler",
        timeout: float = 10.0,
        concurrency: int = 4,
        output: FunctionOutput | None = None,
    ) -> None:
        self._spawn_args = (code_dir, libraries, env, handler, timeout)
        self._output = output
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(concurrency)
        self._all: set[Worker] = set()
        self._lock = threading.Lock()

    def warm(self) -> float:
        """Start one worker ahead of the first request; returns its cold-start time in ms."""
        with self._slots:
            worker = self._spawn()
            self._idle.put(worker)
            return worker.init_ms

    def _spawn(self) -> Worker:
        worker = Worker(*self._spawn_args, output=self._output)
        with self._lock:
            self._all.add(worker)
        log.info("function cold start: %.0f ms", worker.init_ms)
        return worker

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """Run ``event`` on an idle worker, or a new one while under the concurrency limit."""
        with self._slots:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = self._spawn()
            try:
                result = worker.invoke(event)
            finally:
                if worker.alive():
                    self._idle.put(worker)
                else:
                    with self._lock:
                        self._all.discard(worker)
            return result

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.close()
