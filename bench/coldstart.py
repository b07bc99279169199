"""Cold start: a whole fresh process that imports the handler and serves one RPC read against the emulator.

That is Lambda's init plus the first invoke, with real I/O: the item is read from a moto server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.functions import BARE, OURS, Functions, lambda_env, python_argv, pythonpath
from bench.perrequest import PEAK_RSS_LIMIT, WorkerFailed, run_worker
from bench.report import Row
from bench.stats import REPORT_PEAK, ChildRun, Spread, run_child
from bench.tables import table_server
from bench.workload import rpc_cases, typed_item

SECTION = "cold init"
#: Import the handler's module (argv[1]) and call its handler (argv[2]) with the event in argv[3], once.
INVOKE = (
    "import importlib, json, sys\n"
    "handler = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])\n"
    "status = handler(json.loads(sys.argv[3]), None)['statusCode']\n"
    "assert status == 200, status\n"
)
#: The most a cold start may take against the bare handler's, with and without bytecode in the zip.
COLD_LIMITS = {"ours, with bytecode": 0.5, "ours, without bytecode": 0.6}


@dataclass(frozen=True)
class Variant:
    """One way to start: which code directory, which module (None: an empty interpreter)."""

    label: str
    code_dir: Path | None
    handler: str | None

    def argv(self) -> list[str]:
        """The command that starts the process, imports the handler and serves one RPC read."""
        if self.handler is None:
            return python_argv("-c", REPORT_PEAK)
        module, _, function = self.handler.rpartition(".")
        read = rpc_cases()[1].event
        return python_argv("-c", INVOKE + REPORT_PEAK, module, function, json.dumps(read))


def _variants(functions: Functions) -> list[Variant]:
    return [
        Variant("ours, without bytecode", functions.ours_source, OURS),
        Variant("ours, with bytecode", functions.ours_bytecode, OURS),
        Variant("bare boto3 handler", functions.bare, BARE),
        Variant("python -c pass", None, None),
    ]


def measure(functions: Functions, workdir: Path, *, rounds: int) -> tuple[list[Row], Any]:
    """Init and first read of each variant ``rounds`` times, taking turns so load drifts hit them all alike."""
    with table_server("moto", workdir) as server:
        server.ensure_table("anything")
        server.client("dynamodb").put_item(TableName="anything", Item=typed_item("1"))
        return _measure(functions, server.url, rounds)


def _measure(functions: Functions, endpoint_url: str, rounds: int) -> tuple[list[Row], Any]:
    variants = _variants(functions)
    runs: dict[str, list[ChildRun]] = {variant.label: [] for variant in variants}
    for _ in range(rounds):
        for variant in variants:
            env = lambda_env("anything", endpoint_url)
            if variant.code_dir is not None:
                env["PYTHONPATH"] = pythonpath(variant.code_dir, functions.libraries)
            run = run_child(variant.argv(), env)
            if run.returncode != 0:
                raise WorkerFailed(f"{variant.label} failed to start:\n{run.stderr[-2000:]}")
            runs[variant.label].append(run)
    wall = {label: Spread.of([run.wall_s * 1000 for run in done]) for label, done in runs.items()}
    cpu = {label: Spread.of([run.cpu_s * 1000 for run in done]) for label, done in runs.items()}
    rss = {label: Spread.of([run.peak_rss_kb / 1024 for run in done]) for label, done in runs.items()}
    bare = "bare boto3 handler"
    rows = [
        Row(
            SECTION,
            f"{label}: init + first rpc read (ms)",
            wall[label].text("{:.0f}"),
            wall[bare].text("{:.0f}"),
            wall[label].median / wall[bare].median,
            COLD_LIMITS[label],
            extra={"cpu_ms": cpu[label].median, "bare_cpu_ms": cpu[bare].median},
        )
        for label in ("ours, without bytecode", "ours, with bytecode")
    ]
    rows += [
        Row(
            SECTION,
            f"{label}: CPU time (ms)",
            cpu[label].text("{:.0f}"),
            cpu[bare].text("{:.0f}"),
            cpu[label].median / cpu[bare].median,
        )
        for label in ("ours, without bytecode", "ours, with bytecode")
    ]
    rows += [
        Row(
            SECTION,
            f"{label}: peak RSS (MiB)",
            rss[label].text(),
            rss[bare].text(),
            rss[label].median / rss[bare].median,
            PEAK_RSS_LIMIT,
        )
        for label in ("ours, without bytecode", "ours, with bytecode")
    ]
    rows.append(Row(SECTION, "python -c pass: whole process (ms)", wall["python -c pass"].text("{:.0f}")))
    rows.append(Row(SECTION, "python -c pass: peak RSS (MiB)", rss["python -c pass"].text()))
    first_rows, first_raw = _first_request(functions, rounds)
    raw = {
        label: [{"wall_ms": r.wall_s * 1000, "cpu_ms": r.cpu_s * 1000, "rss_kb": r.peak_rss_kb} for r in done]
        for label, done in runs.items()
    }
    return rows + first_rows, {"processes": raw, "in_process": first_raw}


def _first_request(functions: Functions, rounds: int) -> tuple[list[Row], Any]:
    """Import and first request timed inside the process: what deferring work to the first request would move."""
    create = rpc_cases()[:1]
    no_timing = {"warmup": 0, "rounds": 0, "batch": 0}
    raw: dict[str, list[dict[str, Any]]] = {OURS: [], BARE: []}
    for _ in range(rounds):
        for handler in (OURS, BARE):
            raw[handler].append(run_worker(functions, handler, create, no_timing))
    rows = []
    for key, what in (("import_ms", "import in process"), ("first_ms", "first request (rpc create)")):
        ours = Spread.of([report[key] for report in raw[OURS]])
        bare = Spread.of([report[key] for report in raw[BARE]])
        rows.append(
            Row(SECTION, f"ours, with bytecode: {what} (ms)", ours.text(), bare.text(), ours.median / bare.median)
        )
    return rows, raw
