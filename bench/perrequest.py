"""Warm per-request time of every operation and route, through the whole handler, with botocore's HTTP stubbed."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.functions import BARE, OURS, Functions, lambda_env, python_argv, pythonpath
from bench.report import Row
from bench.stats import Spread
from bench.workload import Case, canned_answers, rest_cases, rpc_cases, silent_cases, typed_cases

WORKER = Path(__file__).with_name("worker.py")
SECTION = "per request"
#: The most each route may cost against the baseline operation it matches (the issue's targets).
LIMITS = {"create": 0.6, "read": 0.6, "update": 0.6, "list": 0.6, "query": 0.6}
#: The most memory a warm function may hold against the bare handler.
PEAK_RSS_LIMIT = 0.7


class WorkerFailed(Exception):
    """The worker process exited with an error."""


def run_worker(functions: Functions, handler: str, cases: list[Case], timing: dict[str, int]) -> dict[str, Any]:
    """Run ``bench/worker.py`` in a fresh process deployed like ``handler`` and return its report."""
    with tempfile.TemporaryDirectory(prefix="dynamodbmanager-bench-") as scratch:
        spec_path, report_path = Path(scratch) / "spec.json", Path(scratch) / "report.json"
        spec = {
            "handler": handler,
            "answers": canned_answers(),
            "cases": [asdict(case) for case in cases],
            "timing": timing,
        }
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        env = {**lambda_env("anything"), "PYTHONPATH": pythonpath(functions.code_dir(handler), functions.libraries)}
        done = subprocess.run(
            python_argv(str(WORKER), str(spec_path), str(report_path)),
            env=env,
            stdout=subprocess.DEVNULL,  # the handler's logs and metrics, as Lambda ships stdout away
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise WorkerFailed(f"{handler} worker failed:\n{done.stderr[-2000:]}")
        report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
        return report


def _check_status(handler: str, results: dict[str, Any]) -> None:
    """A timing of an error response would be meaningless: every case must succeed."""
    for name, result in results.items():
        if not 200 <= result["status"] < 300:
            raise WorkerFailed(f"{handler}: {name} answered {result['status']}, not a success")


def measure(functions: Functions, *, repeats: int, rounds: int, batch: int, warmup: int) -> tuple[list[Row], Any]:
    """Per-request CPU µs of each case for both handlers, each in ``repeats`` fresh processes taking turns."""
    ours_cases = rpc_cases() + rest_cases() + typed_cases() + silent_cases()
    bare_cases = rpc_cases()
    timing = {"warmup": warmup, "rounds": rounds, "batch": batch}
    samples: dict[str, dict[str, list[float]]] = {OURS: {}, BARE: {}}
    wall: dict[str, dict[str, list[float]]] = {OURS: {}, BARE: {}}
    peak_mib: dict[str, list[float]] = {OURS: [], BARE: []}
    for repeat in range(repeats):
        order = [(OURS, ours_cases), (BARE, bare_cases)]
        for handler, cases in order if repeat % 2 == 0 else reversed(order):
            report = run_worker(functions, handler, cases, timing)
            results = report["cases"]
            _check_status(handler, results)
            peak_mib[handler].append(report["peak_rss_kb"] / 1024)
            for name, result in results.items():
                samples[handler].setdefault(name, []).extend(result["cpu_us"])
                wall[handler].setdefault(name, []).extend(result["wall_us"])
    bare_by_operation = {case.baseline: Spread.of(samples[BARE][case.name]) for case in bare_cases}
    rows: list[Row] = []
    for case in ours_cases:
        ours = Spread.of(samples[OURS][case.name])
        if case.baseline is None:
            rows.append(Row(SECTION, f"{case.name} (CPU µs)", ours.text("{:.0f}")))
            continue
        bare = bare_by_operation[case.baseline]
        rows.append(
            Row(
                SECTION,
                f"{case.name} vs bare {case.baseline} (CPU µs)",
                ours.text("{:.0f}"),
                bare.text("{:.0f}"),
                ours.median / bare.median,
                LIMITS.get(case.baseline) if case.name.startswith(("rpc", "POST", "GET")) and not case.silent else None,
            )
        )
    ours_peak, bare_peak = Spread.of(peak_mib[OURS]), Spread.of(peak_mib[BARE])
    rows.append(
        Row(
            SECTION,
            "peak RSS of a warm function, after every case (MiB)",
            ours_peak.text(),
            bare_peak.text(),
            ours_peak.median / bare_peak.median,
            PEAK_RSS_LIMIT,
        )
    )
    return rows, {"cpu_us": samples, "wall_us": wall, "peak_rss_mib": peak_mib}
