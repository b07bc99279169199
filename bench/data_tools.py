"""Import and export rates (items/s) and peak memory of ``dynamodbmanager import|export`` against the local stack.

``.venv/bin/python bench/data_tools.py [--items 100000] [--backend moto|dynalite]`` builds the zip, starts the
local stack on free ports, writes a JSON Lines file of ITEMS items (about 200 bytes each) and times, each in its
own process whose peak resident memory is read back from the kernel (``wait4``):

- import through the API (``PUT /items/{id}``, 4 workers), then export through the API (pages of 1,000);
- export directly (parallel scan, 4 segments), then import directly (``BatchWriteItem``) into a second table.

Every run checks that the exported files hold ITEMS lines. Results go to stdout and ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from dynamodbmanager import jsoncodec
from dynamodbmanager.build import build_zip
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.processes import ManagedProcess, free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measure:
    """One command's figures."""

    step: str
    items: int
    seconds: float
    peak_mib: float

    @property
    def rate(self) -> float:
        """Items per second."""
        return self.items / self.seconds


def timed(step: str, items: int, argv: list[str], log: Path) -> Measure:
    """Run one ``dynamodbmanager`` command in its own process: wall time and peak RSS (``ru_maxrss``)."""
    command = [sys.executable, "-m", "dynamodbmanager.cli", *argv, "--no-progress"]
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        said = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"{step} failed with status {process.returncode}:\n" + "\n".join(said))
    return Measure(step, items, seconds, usage.ru_maxrss / 1024)


def start_stack(zip_path: Path, table: str, log: Path, backend: str, data_dir: Path) -> tuple[str, str, ManagedProcess]:
    """``dynamodbmanager local`` on free ports: its URL, its DynamoDB endpoint and its process."""
    port, emulator_port = free_port(), free_port()
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(zip_path)]
    argv += ["--table", table, "--emulator-port", str(emulator_port)]
    if backend == "dynalite":
        argv += ["--data-dir", str(data_dir)]
    process = ManagedProcess(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", process, timeout=300)
    except BaseException:
        process.stop()
        raise
    return url, f"http://127.0.0.1:{emulator_port}", process


def write_items(path: Path, count: int) -> None:
    """COUNT items with a string, exact numbers, a nested map, a list, a boolean and a null."""
    big = Decimal("12345678901234567890123456789012345678")
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            item = {
                "id": f"item-{n:08d}",
                "name": f"Item number {n}",
                "price": Decimal(f"{n % 1000}.{n % 100:02d}"),
                "big": big,
                "dims": {"w": n % 17, "h": n % 23, "unit": "cm"},
                "tags": ["bench", f"group-{n % 10}"],
                "active": n % 2 == 0,
                "note": None,
            }
            out.write(jsoncodec.dumps(item) + "\n")


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def main() -> int:
    """Run the measurement and print its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000, help="items to import and export (default: 100000)")
    parser.add_argument("--backend", choices=("moto", "dynalite"), default="moto", help="the stack's DynamoDB")
    parser.add_argument("--concurrency", type=int, default=4, help="import workers (default: 4)")
    args = parser.parse_args()

    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="bench-data-tools-") as scratch:
        work = Path(scratch)
        log = work / "commands.log"
        zip_path = build_zip(work / "lambda.zip")
        source = work / "items.jsonl"
        write_items(source, args.items)
        print(f"{args.items:,} items, {source.stat().st_size / 2**20:.1f} MiB of JSON Lines; backend {args.backend}")
        url, endpoint, stack = start_stack(zip_path, "bench-source", work / "stack.log", args.backend, work / "data")
        try:
            Emulator(port=int(endpoint.rsplit(":", 1)[1])).ensure_table("bench-copy")
            concurrency = ["--concurrency", str(args.concurrency)]
            results.append(
                timed("import via API", args.items, ["import", "--from", str(source), "--url", url, *concurrency], log)
            )
            exported = work / "api.jsonl"
            results.append(timed("export via API", args.items, ["export", "--to", str(exported), "--url", url], log))
            direct_out = work / "direct.jsonl"
            source_table = ["--direct", "--endpoint-url", endpoint, "--table", "bench-source"]
            results.append(timed("export direct", args.items, ["export", "--to", str(direct_out), *source_table], log))
            copy_table = ["--direct", "--endpoint-url", endpoint, "--table", "bench-copy"]
            results.append(
                timed(
                    "import direct", args.items, ["import", "--from", str(direct_out), *copy_table, *concurrency], log
                )
            )
            for path in (exported, direct_out):
                if count_lines(path) != args.items:
                    raise SystemExit(f"{path.name} has {count_lines(path)} lines, not {args.items}")
        finally:
            stack.stop()

    print(f"\n{'step':<16} {'items':>9} {'seconds':>9} {'items/s':>9} {'peak MiB':>9}")
    for row in results:
        print(f"{row.step:<16} {row.items:>9,} {row.seconds:>9.1f} {row.rate:>9,.0f} {row.peak_mib:>9.1f}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / f"data_tools-{args.backend}-{args.items}.json"
    rows = [{**asdict(row), "items_per_second": round(row.rate, 1)} for row in results]
    report.write_text(
        json.dumps({"backend": args.backend, "cpus": os.cpu_count(), "load": os.getloadavg(), "rows": rows}, indent=2)
    )
    print(f"\nwritten to {report.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
