"""Progress of a long export or import: a rich bar redrawn in place on a terminal, a plain line now and then otherwise.

Plain lines keep logs of CI jobs and cron runs readable, where carriage returns would pile up in one line. rich is
imported only when a bar is drawn, so a command that draws none never loads it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import ProgressColumn, TaskID

#: Seconds between two redraws of the bar, and between two plain lines.
TTY_INTERVAL = 0.2
PLAIN_INTERVAL = 5.0
BAR_WIDTH = 24


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts items (thread-safe) and reports them on ``stream``; ``fraction`` of the work done, when known.

    On a terminal (``tty``, or a rich ``console`` given) a rich bar shows the label, the bar, the share done, the
    items, their rate, the time elapsed and the time left; elsewhere :meth:`line` is printed every ``interval``.
    """

    def __init__(
        self,
        label: str,
        stream: TextIO,
        *,
        tty: bool | None = None,
        interval: float | None = None,
        enabled: bool = True,
        escape: Callable[[str], str] | None = None,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream
        self.tty = True if console is not None else stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (TTY_INTERVAL if self.tty else PLAIN_INTERVAL)
        self.enabled = enabled
        #: Makes a message safe to print: it can quote an input file's keys, which may hold terminal controls.
        self.escape = escape
        self.items = 0
        self.fraction: float | None = None
        self._console = console
        #: Seconds from an arbitrary start: the time of the counts, the rate, the bar's estimate and the summary.
        self._clock = clock
        #: The rich bar and its one task, once drawn.
        self._bar: tuple[Bar, TaskID] | None = None
        self._lock = threading.Lock()
        self._started = clock()
        self._last = self._started

    def advance(self, items: int, fraction: float | None = None) -> None:
        """Count ``items`` more; redraw if the interval has passed (a terminal's bar also redraws on its own)."""
        with self._lock:
            self.items += items
            if fraction is not None:
                self.fraction = fraction
            if not self.enabled:
                return
            if self.tty:
                self._update_bar()
                return
            now = self._clock()
            if now - self._last >= self.interval:
                self._last = now
                self.stream.write(self.line(now) + "\n")
                self.stream.flush()

    def counts(self, now: float | None = None) -> str:
        """Items, their rate and the time elapsed, as both the bar and the plain lines show them."""
        elapsed = (now if now is not None else self._clock()) - self._started
        rate = self.items / elapsed if elapsed > 0 else 0.0
        return f"{self.items:,} items  {rate:,.0f} items/s  {_elapsed(elapsed)}"

    def line(self, now: float | None = None) -> str:
        """The progress as one line of plain text: items, rate, elapsed time, and a bar when the total is known."""
        counts = self.counts(now)
        if self.fraction is None:
            return f"{self.label}: {counts}"
        done = min(max(self.fraction, 0.0), 1.0)
        filled = round(done * BAR_WIDTH)
        return f"{self.label}: [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:4.0%}  {counts}"

    def message(self, text: str) -> None:
        """Print a line (a warning, a bad input line) above the bar, never as markup."""
        with self._lock:
            shown = self.escape(text) if self.escape else text
            if self._bar is not None:
                from rich.text import Text

                self._bar[0].console.print(Text(shown), soft_wrap=True)
                return
            self.stream.write(shown + "\n")
            self.stream.flush()

    def finish(self) -> float:
        """Draw the final state on its own line; returns the seconds elapsed."""
        with self._lock:
            now = self._clock()
            if self.enabled:
                if self.tty:
                    self._update_bar()
                    self._stop_bar()
                else:
                    self.stream.write(self.line(now) + "\n")
                    self.stream.flush()
            return now - self._started

    def close(self) -> None:
        """Stop a bar still drawn (the work stopped on an error), so the terminal gets its cursor back."""
        with self._lock:
            self._stop_bar()

    def _update_bar(self) -> None:
        """Start the bar on first use, then give it the share done; it redraws every ``interval`` (or now if 0)."""
        starting = self._bar is None
        if self._bar is None:
            bar = self._new_bar()
            self._bar = bar, bar.add_task(self.label, total=None)
        bar, task = self._bar
        if self.fraction is not None:
            bar.update(task, total=1.0, completed=min(max(self.fraction, 0.0), 1.0))
        if starting:
            bar.start()
        if self.interval <= 0:
            bar.refresh()

    def _stop_bar(self) -> None:
        """Stop the bar, if drawn: its last state stays on its own line and the cursor shows again."""
        if self._bar is not None:
            self._bar[0].stop()
            self._bar = None

    def _new_bar(self) -> Bar:
        """A rich Progress on ``stream`` that leaves standard output alone: an export can be writing its items there."""
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn
        from rich.progress import Progress as Bar
        from rich.table import Column

        console = self._console or Console(
            file=self.stream, force_terminal=True, highlight=False, markup=False, emoji=False, get_time=self._clock
        )
        auto = self.interval > 0
        # The text never wraps; the bar takes what is left of the line, 40 columns at most.
        return Bar(
            TextColumn("{task.description}", markup=False, table_column=Column(no_wrap=True)),
            BarColumn(bar_width=None, table_column=Column(max_width=40)),
            TaskProgressColumn(table_column=Column(no_wrap=True)),
            *_rich_columns(self),
            console=console,
            auto_refresh=auto,
            refresh_per_second=1 / self.interval if auto else 10,
            redirect_stdout=False,
            redirect_stderr=False,
            get_time=self._clock,
        )


def _rich_columns(progress: Progress) -> list[ProgressColumn]:
    """The columns rich has no stock form of: :meth:`Progress.counts`, and the time left once a share is known."""
    from rich.progress import ProgressColumn, Task, TimeRemainingColumn
    from rich.table import Column
    from rich.text import Text

    class Counts(ProgressColumn):
        """Items, items per second and time elapsed, from the same clock as the summary line."""

        def render(self, task: Task) -> Text:
            return Text(progress.counts(), style="progress.data.speed")

    class TimeLeft(TimeRemainingColumn):
        """rich's estimate of the time left, named, and blank while the share done is unknown."""

        def render(self, task: Task) -> Text:
            left = super().render(task)
            return Text.assemble("ETA ", left) if left.plain else left

    return [Counts(table_column=Column(no_wrap=True)), TimeLeft(table_column=Column(no_wrap=True))]
