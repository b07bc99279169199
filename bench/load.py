"""Load test: the five operations, mixed over both contracts, against the local stack for a fixed time.

Closed-loop client threads on keep-alive connections, as many as keep the function's warm workers busy:
each thread creates an item, reads it, updates it with If-Match, lists a page and deletes it, on the
REST API and the RPC endpoint by turns. Reports throughput, latency percentiles per operation, the
error count (anything but the expected status) and the gateway's RSS before and after.

    .venv/bin/python bench/load.py --duration 60
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dynamodbmanager.build import build_zip
from dynamodbmanager.local.processes import ManagedProcess, free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OPERATIONS = ("create", "read", "update", "list", "delete")


@dataclass
class Tally:
    """What one client thread saw: latencies per operation (ms) and the errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


class Client:
    """One keep-alive connection to the gateway; reconnects if the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """Status and parsed JSON body (None when empty) of one request."""
        data = None if body is None else json.dumps(body).encode()
        all_headers = (
            {"Content-Type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
        )
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=data, headers=all_headers)
                response = self.connection.getresponse()
                raw = response.read()
                etag = response.getheader("ETag")
                parsed = json.loads(raw) if raw else None
                if etag is not None and isinstance(parsed, dict):
                    parsed["__etag"] = etag
                return response.status, parsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _timed(tally: Tally, operation: str, expected: int, call: Callable[[], tuple[int, Any]]) -> Any:
    started = time.perf_counter()
    try:
        status, body = call()
    except OSError as exc:
        tally.errors.append(f"{operation}: {exc!r}")
        return None
    tally.latencies[operation].append((time.perf_counter() - started) * 1000)
    if status != expected:
        tally.errors.append(f"{operation}: {status} {str(body)[:200]}")
        return None
    return body


def _rest_cycle(client: Client, tally: Tally) -> None:
    item_id = f"load-{uuid.uuid4()}"
    path = f"/items/{item_id}"
    if (
        _timed(tally, "create", 201, lambda: client.send("POST", "/items", {"id": item_id, "n": 1, "tags": ["a"]}))
        is None
    ):
        return
    item = _timed(tally, "read", 200, lambda: client.send("GET", path))
    etag = item["__etag"] if item else "*"
    patch = {"Content-Type": "application/merge-patch+json", "If-Match": etag}
    updated = _timed(tally, "update", 200, lambda: client.send("PATCH", path, {"n": 2}, patch))
    _timed(tally, "list", 200, lambda: client.send("GET", "/items?limit=20"))
    etag = updated["__etag"] if updated else "*"
    _timed(tally, "delete", 204, lambda: client.send("DELETE", path, headers={"If-Match": etag}))


def _rpc_cycle(client: Client, tally: Tally) -> None:
    key = {"id": f"load-{uuid.uuid4()}"}

    def rpc(operation: str, payload: dict[str, Any]) -> tuple[int, Any]:
        return client.send("POST", "/dynamodbmanager", {"operation": operation, "payload": payload})

    _timed(tally, "create", 200, lambda: rpc("create", {"Item": {**key, "n": 1}}))
    _timed(tally, "read", 200, lambda: rpc("read", {"Key": key, "ConsistentRead": True}))
    update = {
        "Key": key,
        "UpdateExpression": "SET n = n + :one",
        "ConditionExpression": "#v = :v",
        "ExpressionAttributeNames": {"#v": "_version"},
        "ExpressionAttributeValues": {":one": 1, ":v": 1},
    }
    _timed(tally, "update", 200, lambda: rpc("update", update))
    _timed(tally, "list", 200, lambda: rpc("list", {"Limit": 20}))
    _timed(tally, "delete", 200, lambda: rpc("delete", {"Key": key}))


def _worker(port: int, deadline: float, tally: Tally) -> None:
    client = Client(port)
    turn = 0
    while time.monotonic() < deadline:
        (_rest_cycle if turn % 2 == 0 else _rpc_cycle)(client, tally)
        turn += 1


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def run(port: int, threads: int, seconds: float) -> tuple[dict[str, list[float]], list[str], float]:
    """Drive the stack on ``port`` with ``threads`` clients for ``seconds``; latencies, errors and wall time."""
    tallies = [Tally() for _ in range(threads)]
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    pool = [threading.Thread(target=_worker, args=(port, deadline, t)) for t in tallies]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    merged: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for tally in tallies:
        for operation, values in tally.latencies.items():
            merged[operation].extend(values)
        errors.extend(tally.errors)
    return merged, errors, elapsed


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    """Start a local stack, warm it up, load it, print and save the figures; 1 if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default: 60)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring (default: 5)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default: 8, twice the workers)")
    parser.add_argument("--zip", help="the deployment package (default: built afresh)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dynamodbmanager-load-") as scratch:
        zip_path = Path(args.zip) if args.zip else build_zip(Path(scratch) / "lambda.zip")
        port = free_port()
        argv_local = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(zip_path)]
        argv_local += ["--table", "load"]
        log = (Path(scratch) / "local.log").open("wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        stack = ManagedProcess(argv_local, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", stack, timeout=120)
            run(port, args.threads, args.warmup)
            gateway_before = rss_kib(stack.pid)
            latencies, errors, elapsed = run(port, args.threads, args.duration)
            gateway_after = rss_kib(stack.pid)
            workers = [c for c in _children(stack.pid) if "runtime.py" in Path(f"/proc/{c}/cmdline").read_text()]
            workers_kib = sum(rss_kib(c) for c in workers)
        finally:
            stack.stop()
            log.close()

    total = sum(len(v) for v in latencies.values())
    every = [ms for values in latencies.values() for ms in values]
    rows = [(op, latencies.get(op, [])) for op in OPERATIONS] + [("all", every)]
    print(f"load: {args.threads} threads, {elapsed:.1f} s, {total} requests, {total / elapsed:.1f} req/s")
    print(f"{'operation':<10}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in rows:
        if values:
            p50, p95, p99 = (percentile(values, f) for f in (0.50, 0.95, 0.99))
            print(f"{name:<10}{len(values):>8}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}{statistics.fmean(values):>10.1f}")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    growth = gateway_after - gateway_before
    print(
        f"gateway RSS: {gateway_before / 1024:.1f} MiB before, {gateway_after / 1024:.1f} MiB after ({growth:+d} KiB)"
    )
    print(f"function workers: {len(workers)}, {workers_kib / 1024:.1f} MiB RSS in all")

    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "threads": args.threads,
        "seconds": round(elapsed, 3),
        "requests": total,
        "throughput_rps": round(total / elapsed, 1),
        "latency_ms": {
            name: {f"p{int(f * 100)}": round(percentile(v, f), 2) for f in (0.50, 0.95, 0.99)} for name, v in rows if v
        },
        "errors": len(errors),
        "gateway_rss_kib": {"before": gateway_before, "after": gateway_after},
        "workers_rss_kib": workers_kib,
    }
    (RESULTS / "load.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
