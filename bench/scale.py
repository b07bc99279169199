"""Scale: the whole table read page by page through the API, at two sizes, to show memory stays flat."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.endtoend import serve
from bench.functions import OURS, Functions
from bench.report import Row
from bench.stats import ChildRun, children, peak_rss_kb, run_child
from bench.tables import preferred_server, seed
from bench.workload import ROOT
from dynamodbmanager.local.processes import LOOPBACK

if TYPE_CHECKING:
    from dynamodbmanager.local.emulator import Emulator

LISTER_SCRIPT = Path(__file__).with_name("lister.py")
PEAK_SCRIPT = Path(__file__).with_name("peak.py")
SECTION = "scale"
TABLE = "bench_scale"
#: The issue's target: peak memory at the large size within this multiple of the small size's.
FLAT_LIMIT = 1.2
#: An emulator's page deep into a large table can take seconds (moto sorts the whole table for every page):
#: the function waits for it, as it would never need to on DynamoDB.
PATIENT_FUNCTION = {"DYNAMODB_READ_TIMEOUT": "60"}
PATIENT_TIMEOUT = 120.0


def export_available() -> bool:
    """Whether this checkout has ``dynamodbmanager export``."""
    probe = [sys.executable, "-m", "dynamodbmanager.cli", "export", "--help"]
    return subprocess.run(probe, capture_output=True, check=False, cwd=ROOT).returncode == 0


def _export(url: str, page_size: int, target: Path) -> ChildRun:
    argv = [sys.executable, str(PEAK_SCRIPT), "dynamodbmanager.cli", "export", "--to", str(target), "--url", url]
    argv += ["--page-size", str(page_size), "--no-progress"]
    run = run_child(argv, {"PATH": "/usr/bin:/bin", "HOME": str(target.parent)})
    if run.returncode != 0:
        raise RuntimeError(f"dynamodbmanager export failed:\n{run.stderr[-2000:]}")
    return run


def _one_size(
    functions: Functions, emulator: Emulator, workdir: Path, *, size: int, page_size: int, with_export: bool
) -> dict[str, Any]:
    """List (and export) ``size`` items through a fresh gateway; peak memory of every process involved."""
    with serve(
        functions,
        OURS,
        emulator_url=emulator.url,
        table=TABLE,
        workdir=workdir,
        concurrency=1,
        timeout=PATIENT_TIMEOUT,
        env=PATIENT_FUNCTION,
    ) as serving:
        url = f"http://{LOOPBACK}:{serving.port}"
        report_path = workdir / f"list-{size}.json"
        argv = [sys.executable, str(PEAK_SCRIPT), str(LISTER_SCRIPT), url, str(page_size), str(report_path)]
        lister = run_child(argv, {})
        if lister.returncode != 0:
            raise RuntimeError(f"listing failed:\n{lister.stderr[-2000:]}")
        listed = json.loads(report_path.read_text(encoding="utf-8"))
        if listed["items"] != size:
            raise RuntimeError(f"listed {listed['items']} items of {size}")
        result: dict[str, Any] = {
            "items": size,
            "pages": listed["pages"],
            "list_s": listed["seconds"],
            "client_rss_kb": lister.peak_rss_kb,
        }
        if with_export:
            target = workdir / f"export-{size}.jsonl"
            exported = _export(url, page_size, target)
            with target.open("rb") as lines:
                count = sum(1 for _ in lines)
            if count != size:
                raise RuntimeError(f"exported {count} items of {size}")
            result |= {"export_s": exported.wall_s, "export_rss_kb": exported.peak_rss_kb}
            target.unlink()
        result["gateway_rss_kb"] = peak_rss_kb(serving.process.pid)
        result["function_rss_kb"] = max((peak_rss_kb(pid) for pid in children(serving.process.pid)), default=0)
    return result


def measure(functions: Functions, workdir: Path, *, sizes: tuple[int, int], page_size: int) -> tuple[list[Row], Any]:
    """Seed the small size, measure, grow to the large size, measure again."""
    with_export = export_available()
    results = []
    with preferred_server(workdir) as (server, server_name):
        server.ensure_table(TABLE)
        seeded = 0
        for size in sizes:
            started = time.perf_counter()
            seed(server, TABLE, size - seeded, prefix=f"scale{size}")
            seed_s = time.perf_counter() - started
            seeded = size
            result = _one_size(functions, server, workdir, size=size, page_size=page_size, with_export=with_export)
            results.append({**result, "seed_s": seed_s})
    small, large = results
    label = f"{large['items'] // 1000}k vs {small['items'] // 1000}k" if small["items"] >= 1000 else "large vs small"
    ratio_of = f"{_short(large['items'])}/{_short(small['items'])}"

    def row(what: str, key: str, scale: float, fmt: str, limit: float | None) -> Row:
        return Row(
            SECTION,
            f"{what}, {label}",
            fmt.format(large[key] * scale),
            fmt.format(small[key] * scale),
            large[key] / small[key],
            limit,
            ratio_of=ratio_of,
        )

    rows = [
        Row(SECTION, "table served by", server_name),
        row(f"list via API, {page_size}/page: time (s)", "list_s", 1, "{:.1f}", None),
        row("list: client peak RSS (MiB)", "client_rss_kb", 1 / 1024, "{:.1f}", FLAT_LIMIT),
        row("list: gateway peak RSS (MiB)", "gateway_rss_kb", 1 / 1024, "{:.1f}", FLAT_LIMIT),
        row("list: function peak RSS (MiB)", "function_rss_kb", 1 / 1024, "{:.1f}", FLAT_LIMIT),
    ]
    if with_export:
        rows += [
            row("dynamodbmanager export: time (s)", "export_s", 1, "{:.1f}", None),
            row("dynamodbmanager export: peak RSS (MiB)", "export_rss_kb", 1 / 1024, "{:.1f}", FLAT_LIMIT),
        ]
    else:
        rows.append(Row(SECTION, "dynamodbmanager export", "not in this checkout"))
    return rows, {"page_size": page_size, "results": results, "export": with_export, "server": server_name}


def _short(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else str(count)
