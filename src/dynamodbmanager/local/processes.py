"""Child processes of the local stack: started in their own process group, stopped by that group's id."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import IO

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether ``host:port`` can be bound, so a busy port is reported before a server fails on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the HTTP server binds: connections of a stopped server lingering in TIME_WAIT do not make it busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class ManagedProcess:
    """A child in a new session, so that stopping it also stops everything it started."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        stdout: IO[bytes] | int | None = subprocess.DEVNULL,
        stderr: IO[bytes] | int | None = subprocess.STDOUT,
    ) -> None:
        self.argv = list(argv)
        self.process = subprocess.Popen(self.argv, env=env, stdout=stdout, stderr=stderr, start_new_session=True)

    @property
    def pid(self) -> int:
        """The child's process id, which is also its process group id."""
        return self.process.pid

    def running(self) -> bool:
        """Whether the child has not exited yet."""
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the child's process group, then SIGKILL it if it has not gone after ``timeout``."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)


def wait_for_http(url: str, process: ManagedProcess, timeout: float = 30.0) -> None:
    """Block until ``url`` answers at all, failing early if ``process`` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"{process.argv[0]} exited with status {process.process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1.0):  # noqa: S310 - a loopback URL we built
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
