"""Summaries of repeated measurements and the child-process measurements they come from."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spread:
    """The median of repeated measurements and their range."""

    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values`` (at least one)."""
        if not values:
            raise ValueError("no measurements")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def scaled(self, factor: float) -> Spread:
        """The same spread in another unit."""
        return Spread(self.median * factor, self.low * factor, self.high * factor, self.count)

    def text(self, fmt: str = "{:.1f}", unit: str = "") -> str:
        """``median unit (low-high)``."""
        return f"{fmt.format(self.median)}{unit} ({fmt.format(self.low)}-{fmt.format(self.high)})"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


#: The environment variable naming the file where a child writes its peak RSS (see REPORT_PEAK).
PEAK_PATH_VARIABLE = "BENCH_PEAK_PATH"
#: Python code a child runs last to report its own peak RSS. ``wait4``'s figure cannot be used: it counts the
#: copy of the (large) parent the child was before exec.
REPORT_PEAK = (
    "import os\n"
    f"with open(os.environ['{PEAK_PATH_VARIABLE}'], 'w') as out, open('/proc/self/status') as status:\n"
    "    out.write(next(line for line in status if line.startswith('VmHWM:')).split()[1])\n"
)


@dataclass(frozen=True)
class ChildRun:
    """What one child process cost: wall time from spawn to exit, CPU time and peak resident memory."""

    wall_s: float
    cpu_s: float
    peak_rss_kb: int
    returncode: int
    stderr: str


def run_child(argv: Sequence[str], env: dict[str, str]) -> ChildRun:
    """Run ``argv`` to completion: wall and CPU time from ``wait4``, peak RSS as the child reports it (REPORT_PEAK)."""
    with tempfile.TemporaryDirectory(prefix="dynamodbmanager-bench-") as scratch:
        peak_path = Path(scratch) / "peak"
        stderr_path = Path(scratch) / "stderr"
        with stderr_path.open("wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(
                argv, env={**env, PEAK_PATH_VARIABLE: str(peak_path)}, stdout=subprocess.DEVNULL, stderr=stderr
            )
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        text = stderr_path.read_text(errors="replace")
        peak = int(peak_path.read_text(encoding="ascii")) if peak_path.exists() else 0
    return ChildRun(wall, usage.ru_utime + usage.ru_stime, peak, process.returncode, text)


def peak_rss_kb(pid: int) -> int:
    """The peak resident memory (VmHWM) of a running process, in KiB; 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """The direct children of a running process (Linux ``/proc``)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text(encoding="ascii").split()]
        except OSError:
            continue
    return found
