"""Run a Python script or module, and write the process's own peak RSS where the caller asked.

``python bench/peak.py SCRIPT.py|MODULE ARGS...``, with ``BENCH_PEAK_PATH`` set (see ``bench.stats.run_child``).
"""

import atexit
import os
import runpy
import sys


def _report_peak() -> None:
    """Write VmHWM, the peak resident memory of this address space, in KiB."""
    with open(os.environ["BENCH_PEAK_PATH"], "w", encoding="ascii") as out, open("/proc/self/status") as status:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])


if __name__ == "__main__":
    atexit.register(_report_peak)
    sys.argv = sys.argv[1:]
    if sys.argv[0].endswith(".py"):
        runpy.run_path(sys.argv[0], run_name="__main__")
    else:
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
