"""``bench/run.py --quick`` runs every section end to end and produces a well-formed table and JSON.

Only the shape is checked: a benchmark's figures are not a test's business (they go in the README).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from dynamodbmanager.local.processes import ManagedProcess
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

COLUMNS = ["section", "measure", "ours", "baseline", "ratio", "target", "met"]
OPERATIONS = ("create", "read", "update", "list", "delete")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """The printed output and the saved JSON of one quick run."""
    scratch = tmp_path_factory.mktemp("bench")
    output, log_path = scratch / "result.json", scratch / "bench.log"
    argv = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(output)]
    with log_path.open("wb") as log:
        process = ManagedProcess(argv, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log)
        try:
            returncode = process.process.wait(timeout=180)
        finally:
            process.stop()
    printed = log_path.read_text(encoding="utf-8")
    assert returncode == 0, printed[-3000:]
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return printed, document


def _rows(document: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [row for row in document["rows"] if row["section"] == section]


def test_every_section_has_rows_with_every_column(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, document = quick_run
    assert document["columns"] == COLUMNS
    assert {row["section"] for row in document["rows"]} == {
        "cold init",
        "per request",
        "end to end (moto)",
        "end to end (dynalite)",
        "scale",
        "partition",
        "package",
    }
    for row in document["rows"]:
        assert set(COLUMNS) <= set(row)
        assert row["ours"], row


def test_targets_are_judged_from_the_ratio(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, document = quick_run
    judged = [row for row in document["rows"] if row["limit"] is not None or row["floor"] is not None]
    assert judged
    for row in judged:
        assert isinstance(row["ratio"], float)
        assert row["ratio"] > 0
        within = (row["limit"] is None or row["ratio"] <= row["limit"]) and (
            row["floor"] is None or row["ratio"] >= row["floor"]
        )
        assert row["met"] is within


def test_the_table_printed_is_the_table_saved(quick_run: tuple[str, dict[str, Any]]) -> None:
    printed, document = quick_run
    header = next(line for line in printed.splitlines() if line.startswith("section"))
    assert header.split() == COLUMNS
    for row in document["rows"]:
        assert row["measure"] in printed
    assert "saved " in printed


def test_both_handlers_are_measured_for_every_operation(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, document = quick_run
    per_request = {row["measure"] for row in _rows(document, "per request")}
    end_to_end = {row["measure"] for row in _rows(document, "end to end (moto)")}
    for operation in OPERATIONS:
        assert f"rpc {operation} vs bare {operation} (CPU µs)" in per_request
        assert f"rpc {operation}: requests/s" in end_to_end
    for route in ("POST /items", "GET /items/{id}", "PUT /items/{id}", "PATCH /items/{id}", "DELETE /items/{id}"):
        assert any(measure.startswith(route) for measure in per_request), route
    for row in _rows(document, "per request") + _rows(document, "end to end (moto)"):
        if row["ratio"] is not None:
            assert row["baseline"], row


def test_cold_init_compares_both_builds_with_the_baseline(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, document = quick_run
    cold = {row["measure"]: row for row in _rows(document, "cold init")}
    limits = {"ours, without bytecode": 0.6, "ours, with bytecode": 0.5}
    for build, limit in limits.items():
        assert cold[f"{build}: init + first rpc read (ms)"]["limit"] == limit
        assert cold[f"{build}: peak RSS (MiB)"]["limit"] == 0.7
        assert cold[f"{build}: peak RSS (MiB)"]["baseline"]
    assert "python -c pass: whole process (ms)" in cold
    processes = document["raw"]["cold"]["processes"]
    assert all(run["rss_kb"] > 0 for runs in processes.values() for run in runs)


def test_scale_lists_the_whole_table_at_both_sizes(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, document = quick_run
    partition = document["raw"]["partition"]
    # A query reads its partition only; the scan reads every item to return the same ones.
    assert partition["query"][0] == partition["scan"][0]
    assert partition["query"][1] < partition["scan"][1]
    scale = document["raw"]["scale"]
    small, large = scale["results"]
    assert (small["items"], large["items"]) == tuple(document["plan"]["scale_sizes"])
    assert large["pages"] > small["pages"] > 1
    for result in (small, large):
        assert result["client_rss_kb"] > 0
        assert result["gateway_rss_kb"] > 0
        assert result["function_rss_kb"] > 0


def test_the_package_and_the_machine_are_recorded(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, document = quick_run
    package = document["raw"]["package"]
    assert 0 < package["source"]["zip_bytes"] < package["source"]["unpacked_bytes"]
    assert package["bytecode"]["files"] > package["source"]["files"]
    machine = document["machine"]
    assert machine["python"] == sys.version.split()[0]
    assert machine["versions"]["botocore"] != "not installed"
    assert document["quick"] is True


def test_results_directory_is_ignored_by_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "bench/results/x.json"], cwd=ROOT, check=False, capture_output=True
    )
    assert ignored.returncode == 0
