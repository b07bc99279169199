"""The whole benchmark: every section in one run on this machine, one table printed and saved as JSON."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import coldstart, endtoend, package, partition, perrequest, scale
from bench.functions import Functions, prepare
from bench.report import Row, machine, render, save
from bench.tables import SERVERS, ServerUnavailable, table_server
from bench.workload import ROOT

SECTIONS = ("cold", "warm", "e2e", "scale", "partition", "package")
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Plan:
    """How many times each thing is measured."""

    cold_rounds: int = 15
    warm_repeats: int = 4
    warm_rounds: int = 10
    warm_batch: int = 100
    warm_warmup: int = 50
    e2e_requests: int = 300
    e2e_repeats: int = 2
    e2e_concurrency: int = 2
    scale_sizes: tuple[int, int] = (10_000, 100_000)
    scale_page_size: int = 1000
    partitions: int = 100


#: Enough of everything to prove the benchmark runs, in well under a minute; its figures mean little.
QUICK = Plan(
    cold_rounds=1,
    warm_repeats=1,
    warm_rounds=3,
    warm_batch=10,
    warm_warmup=3,
    e2e_requests=8,
    e2e_repeats=1,
    scale_sizes=(200, 400),
    scale_page_size=100,
    partitions=4,
)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Measure the function against a bare boto3 handler: cold init, per-request time, end to end "
        "through the local stack, listing at scale, package size. Prints one table and saves it as JSON.",
    )
    parser.add_argument("--quick", action="store_true", help="a few repetitions of each: checks the benchmark runs")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections to run (default: all of {SECTIONS})"
    )
    parser.add_argument("--output", type=Path, help="where to write the JSON (default: bench/results/<time>.json)")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the sections asked for, print the table, save the JSON; returns the exit status."""
    args = _parse(argv)
    # Stopped with SIGTERM, still run the ``finally`` blocks that stop the emulator and the gateways.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    plan = QUICK if args.quick else Plan()
    only = args.only.split(",")
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dynamodbmanager-bench-") as scratch:
        workdir = Path(scratch)
        functions = prepare(workdir)
        steps: list[Step] = []
        if "cold" in only:
            steps.append(("cold", lambda: coldstart.measure(functions, workdir, rounds=plan.cold_rounds)))
        if "warm" in only:
            steps.append(("warm", lambda: _warm(functions, plan)))
        if "e2e" in only:
            steps += [(f"e2e {server}", _e2e(functions, server, workdir, plan)) for server in SERVERS]
        if "scale" in only:
            steps.append(("scale", lambda: _scale(functions, workdir, plan)))
        if "partition" in only:
            steps.append(("partition", lambda: partition.measure(workdir, partitions=plan.partitions)))
        if "package" in only:
            steps.append(("package", lambda: package.measure(functions, ROOT / "dist" / "lambda.zip")))
        rows, raw, failed = _run(steps)
    print()
    print(render(rows))
    output = args.output or RESULTS / f"bench-{started_at:%Y%m%dT%H%M%SZ}{'-quick' if args.quick else ''}.json"
    meta = {
        "started": started_at.isoformat(),
        "seconds": time.perf_counter() - started,
        "quick": args.quick,
        "failed_sections": failed,
        "plan": asdict(plan),
        "machine": machine(ROOT),
        # Other work on the machine shows as noise in every figure: the load before and after says how much.
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "raw": raw,
    }
    print(f"\nsaved {save(output, rows, meta)}")
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


Step = tuple[str, Callable[[], tuple[list[Row], Any]]]


def _run(steps: list[Step]) -> tuple[list[Row], dict[str, Any], list[str]]:
    """Run each section; one that fails is reported as such and the others still run."""
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    failed: list[str] = []
    for name, step in steps:
        print(f"[bench] {name}…", flush=True)
        started = time.perf_counter()
        try:
            section_rows, raw[name] = step()
        except Exception as exc:  # one section failing must not lose the others' figures
            traceback.print_exc()
            failed.append(name)
            section_rows = [Row(name, "FAILED", f"{type(exc).__name__}: {str(exc).splitlines()[0][:150]}")]
            raw[name] = {"error": traceback.format_exc()}
        rows += section_rows
        print(f"[bench] {name} done in {time.perf_counter() - started:.0f} s", flush=True)
    return rows, raw, failed


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _warm(functions: Functions, plan: Plan) -> tuple[list[Row], Any]:
    return perrequest.measure(
        functions,
        repeats=plan.warm_repeats,
        rounds=plan.warm_rounds,
        batch=plan.warm_batch,
        warmup=plan.warm_warmup,
    )


def _e2e(functions: Functions, server: str, workdir: Path, plan: Plan) -> Callable[[], tuple[list[Row], Any]]:
    """Both handlers end to end against a fresh ``server``; a server that cannot run here is reported as such."""

    def step() -> tuple[list[Row], Any]:
        try:
            with table_server(server, workdir) as running:
                return endtoend.measure(
                    functions,
                    running,
                    workdir,
                    server=server,
                    requests=plan.e2e_requests,
                    repeats=plan.e2e_repeats,
                    concurrency=plan.e2e_concurrency,
                )
        except ServerUnavailable as exc:
            return [Row(f"{endtoend.SECTION} ({server})", "not measured", f"{server} unavailable: {exc}")], {}

    return step


def _scale(functions: Functions, workdir: Path, plan: Plan) -> tuple[list[Row], Any]:
    return scale.measure(functions, workdir, sizes=plan.scale_sizes, page_size=plan.scale_page_size)
