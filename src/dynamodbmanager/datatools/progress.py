"""Progress of a long export or import: a bar redrawn in place on a terminal, a plain line now and then otherwise.

Plain lines keep logs of CI jobs and cron runs readable, where carriage returns would pile up in one line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO

#: Seconds between two redraws of the bar, and between two plain lines.
TTY_INTERVAL = 0.2
PLAIN_INTERVAL = 5.0
BAR_WIDTH = 24


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts items (thread-safe) and reports them on ``stream``; ``fraction`` of the work done, when known."""

    def __init__(
        self,
        label: str,
        stream: TextIO,
        *,
        tty: bool | None = None,
        interval: float | None = None,
        enabled: bool = True,
        escape: Callable[[str], str] | None = None,
    ) -> None:
        self.label = label
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (TTY_INTERVAL if self.tty else PLAIN_INTERVAL)
        self.enabled = enabled
        #: Makes a message safe to print: it can quote an input file's keys, which may hold terminal controls.
        self.escape = escape
        self.items = 0
        self.fraction: float | None = None
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last = self._started
        self._drawn = False

    def advance(self, items: int, fraction: float | None = None) -> None:
        """Count ``items`` more; redraw if the interval has passed."""
        with self._lock:
            self.items += items
            if fraction is not None:
                self.fraction = fraction
            now = time.monotonic()
            if self.enabled and now - self._last >= self.interval:
                self._last = now
                self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The progress as one line of text: items, rate, elapsed time, and a bar when the total is known."""
        elapsed = (now or time.monotonic()) - self._started
        rate = self.items / elapsed if elapsed > 0 else 0.0
        counts = f"{self.items:,} items  {rate:,.0f} items/s  {_elapsed(elapsed)}"
        if self.fraction is None:
            return f"{self.label}: {counts}"
        done = min(max(self.fraction, 0.0), 1.0)
        filled = round(done * BAR_WIDTH)
        return f"{self.label}: [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:4.0%}  {counts}"

    def _draw(self, now: float) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(now))
            self._drawn = True
        else:
            self.stream.write(self.line(now) + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """Print a line (a warning, a bad input line) without breaking the bar."""
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[K")
                self._drawn = False
            self.stream.write((self.escape(text) if self.escape else text) + "\n")
            self.stream.flush()

    def finish(self) -> float:
        """Draw the final state on its own line; returns the seconds elapsed."""
        with self._lock:
            now = time.monotonic()
            if self.enabled:
                if self.tty:
                    self.stream.write("\r\x1b[K" + self.line(now) + "\n")
                    self._drawn = False
                else:
                    self.stream.write(self.line(now) + "\n")
                self.stream.flush()
            return now - self._started
