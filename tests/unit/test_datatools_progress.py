"""Progress of an export or import: a rich bar on a terminal, plain lines in logs, nothing with --no-progress."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dynamodbmanager.datatools.progress import Progress


class Clock:
    """A clock the test moves by hand, so rates and estimates are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def terminal(stream: io.StringIO, clock: Clock, color: bool = False) -> Console:
    """A terminal 100 columns wide that writes to ``stream``."""
    return Console(
        force_terminal=True,
        file=stream,
        width=100,
        color_system="truecolor" if color else None,
        get_time=clock,
        highlight=False,
        markup=False,
    )


def frames(text: str) -> list[str]:
    """Each state the terminal showed, in order: lines and in-place redraws split apart, cursor controls dropped."""
    text = text.replace("\x1b[?25l", "").replace("\x1b[?25h", "")
    return [frame for line in text.split("\n") for frame in line.split("\r\x1b[2K") if frame]


def test_a_terminal_gets_a_bar_with_the_share_done_count_rate_elapsed_and_eta() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("import", stream, interval=0, console=terminal(stream, clock), clock=clock)
    clock.now += 2
    progress.advance(1000, 0.25)
    clock.now += 2
    progress.advance(1000, 0.5)
    shown = frames(stream.getvalue())
    # Half the work in 4 s, a quarter in each of the last 2 s: 4 s left.
    assert shown[-1].startswith("import ━━━━━━━━━━━━━━━━━━━━")
    assert shown[-1].rstrip().endswith(" 50% 2,000 items  500 items/s  0:04 ETA 0:00:04")
    assert len(shown[-1]) <= 100
    clock.now += 4
    progress.advance(2000, 1.0)
    assert progress.finish() == 8
    text = stream.getvalue()
    assert text.endswith("\n\x1b[?25h")  # the last state stays on its own line, the cursor shown again
    assert frames(text)[-1].rstrip().endswith("100% 4,000 items  500 items/s  0:08 ETA 0:00:00")


def test_a_bar_whose_total_is_unknown_shows_the_count_and_rate_but_no_estimate() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("export", stream, interval=0, console=terminal(stream, clock), clock=clock)
    clock.now += 5
    progress.advance(250)
    progress.finish()
    last = frames(stream.getvalue())[-1]
    assert last.startswith("export ━")
    assert last.rstrip().endswith("━  250 items  50 items/s  0:05")
    assert "%" not in last
    assert "ETA" not in last


def test_messages_print_above_the_bar_literally() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("import", stream, interval=0, console=terminal(stream, clock, color=True), clock=clock)
    progress.advance(10, 0.5)
    progress.message("line 3: not imported: item id '[bold]x[/bold]' ✓ 日本語")
    progress.advance(5, 1.0)
    progress.finish()
    text = stream.getvalue()
    assert "\r\x1b[2Kline 3: not imported: item id '[bold]x[/bold]' ✓ 日本語\n" in text
    assert "\x1b[1m" not in text


def test_a_terminal_stream_gets_the_bar_without_a_console_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    stream = io.StringIO()
    progress = Progress("import", stream, tty=True, interval=0)
    progress.advance(12345, 0.5)
    progress.finish()
    text = stream.getvalue()
    assert "\r\x1b[2K" in text
    last = frames(text)[-1]
    assert last.startswith("import ━")
    assert " 50% 12,345 items  " in last  # on one line of 80 columns: the bar gives way
    assert len(last) <= 80


def test_close_stops_a_bar_that_an_error_cut_short() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("import", stream, interval=0, console=terminal(stream, clock), clock=clock)
    progress.advance(10, 0.5)
    progress.close()
    assert stream.getvalue().endswith("\x1b[?25h")
    drawn = stream.getvalue()
    progress.close()
    assert stream.getvalue() == drawn


def test_progress_prints_plain_lines_elsewhere() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("export", stream, tty=False, interval=0, clock=clock)
    clock.now += 2
    progress.advance(1000)
    progress.finish()
    assert stream.getvalue() == "export: 1,000 items  500 items/s  0:02\n" * 2


def test_plain_lines_show_a_text_bar_when_the_share_is_known_and_messages_as_they_are() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("import", stream, tty=False, interval=0, clock=clock)
    clock.now += 4
    progress.advance(10, 0.5)
    progress.message("line 3: skipped: [bold]bad[/bold]")
    progress.advance(5, 1.0)
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "import: [############............]  50%  10 items  2 items/s  0:04",
        "line 3: skipped: [bold]bad[/bold]",
        "import: [########################] 100%  15 items  4 items/s  0:04",
        "import: [########################] 100%  15 items  4 items/s  0:04",
    ]


def test_plain_lines_come_once_an_interval() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("export", stream, tty=False, clock=clock)
    for _ in range(3):
        clock.now += 2
        progress.advance(10)
    assert stream.getvalue() == "export: 30 items  5 items/s  0:06\n"


def test_no_progress_prints_nothing() -> None:
    stream = io.StringIO()
    progress = Progress("export", stream, tty=True, interval=0, enabled=False)
    progress.advance(3)
    progress.finish()
    assert stream.getvalue() == ""
