"""What ``dynamodbmanager local`` says: its terminal output, and the log file its banner names."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import RunningStack

#: The banner's line naming the log file.
_LOG_FILE = re.compile(r"every line in full in (\S+)")


def terminal(stack: RunningStack) -> str:
    """Everything the stack has printed so far (stdout and stderr, as the test started it)."""
    return stack.log_path.read_text(encoding="utf-8", errors="replace")


def log_file(stack: RunningStack) -> Path:
    """The log file the banner names."""
    found = _LOG_FILE.search(terminal(stack))
    assert found is not None, f"the banner names no log file:\n{terminal(stack)}"
    return Path(found.group(1))


def wait_until(read: Callable[[], str], done: Callable[[str], bool], what: str, timeout: float = 15.0) -> str:
    """Read until ``done`` holds of what was read, and return it; the lines of a request arrive a moment apart."""
    deadline = time.monotonic() + timeout
    while True:
        text = read()
        if done(text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}; read:\n{text[-4000:]}")
        time.sleep(0.05)
