"""End to end over HTTP: both handlers behind the same local gateway and emulator, driven by concurrent clients."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.functions import BARE, OURS, Functions, lambda_env
from bench.report import Row
from bench.stats import Spread, percentile
from bench.tables import seed
from bench.workload import LIST_SIZE, OPERATIONS, rpc_body
from dynamodbmanager.local.processes import LOOPBACK, ManagedProcess, free_port

if TYPE_CHECKING:
    from dynamodbmanager.local.emulator import Emulator

GATEWAY_SCRIPT = Path(__file__).with_name("gateway.py")
SECTION = "end to end"  # followed by the server's name
#: The issue's target: our throughput at least this share of the bare handler's.
THROUGHPUT_FLOOR = 0.9
#: Requests per burst: each handler gets a burst in turn, a fraction of a second each.
CHUNK = 50
#: One HTTP request: method, path, JSON body.
Call = tuple[str, str, bytes | None]


@dataclass
class Gateway:
    """A ``bench/gateway.py`` process serving one handler."""

    port: int
    process: ManagedProcess

    def stop(self) -> None:
        """Stop the gateway and its workers (one process group)."""
        self.process.stop()


def _wait_for_port(port: int, process: ManagedProcess, timeout: float = 60.0) -> None:
    """Block until the gateway listens; it opens its port only once its first worker is warm."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"the gateway exited with status {process.process.returncode}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the gateway on port {port} did not listen within {timeout:.0f} s")


@contextmanager
def serve(
    functions: Functions,
    handler: str,
    *,
    emulator_url: str,
    table: str,
    workdir: Path,
    concurrency: int,
    timeout: float = 10.0,
    env: dict[str, str] | None = None,
) -> Iterator[Gateway]:
    """Serve ``handler`` on a free port for the duration of the block (``env`` adds to Lambda's environment)."""
    env_file = workdir / f"{handler}.{table}.env.json"
    env_file.write_text(json.dumps({**lambda_env(table, emulator_url), **(env or {})}), encoding="utf-8")
    port = free_port()
    argv = [sys.executable, str(GATEWAY_SCRIPT), "--code-dir", str(functions.code_dir(handler))]
    argv += ["--libraries", str(functions.libraries), "--handler", handler, "--port", str(port)]
    argv += ["--env-file", str(env_file), "--concurrency", str(concurrency), "--timeout", str(timeout)]
    log = (workdir / f"{handler}.{table}.log").open("wb")
    process = ManagedProcess(argv, env=dict(os.environ), stdout=log)
    try:
        _wait_for_port(port, process)
        yield Gateway(port, process)
    finally:
        process.stop()
        log.close()


@dataclass
class Outcome:
    """What a burst of calls took: wall time, each call's latency, and how many failed."""

    seconds: float
    latencies: list[float]
    failures: int


def drive(port: int, calls: list[Call], concurrency: int) -> Outcome:
    """Send ``calls`` over ``concurrency`` keep-alive connections, as fast as the server answers."""
    counter = itertools.count()
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
        try:
            while (index := next(counter)) < len(calls):
                method, path, body = calls[index]
                headers = {"Content-Type": "application/json"} if body is not None else {}
                started = time.perf_counter()
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = 200 <= response.status < 300
                except (http.client.HTTPException, OSError):
                    connection.close()
                    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    failures[0] += 0 if ok else 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Outcome(time.perf_counter() - started, latencies, failures[0])


def _calls(operation: str, ids: list[str]) -> list[Call]:
    return [("POST", "/dev/dynamodbmanager", json.dumps(rpc_body(operation, item_id)).encode()) for item_id in ids]


def measure(
    functions: Functions,
    emulator: Emulator,
    workdir: Path,
    *,
    server: str,
    requests: int,
    repeats: int,
    concurrency: int,
) -> tuple[list[Row], Any]:
    """Each RPC operation ``requests`` times per repeat against each handler, in bursts taking turns.

    Throughput is the median of the bursts' rates; latency percentiles pool every request.
    """
    section = f"{SECTION} ({server})"
    handlers = {OURS: "bench_ours", BARE: "bench_bare"}

    def gateway(handler: str, table: str) -> Any:
        return serve(
            functions, handler, emulator_url=emulator.url, table=table, workdir=workdir, concurrency=concurrency
        )

    samples: dict[str, dict[str, list[Outcome]]] = {handler: {op: [] for op in OPERATIONS} for handler in handlers}
    for table in handlers.values():
        emulator.ensure_table(table)
        seed(emulator, table, LIST_SIZE)
    with (
        gateway(OURS, handlers[OURS]) as ours,
        gateway(BARE, handlers[BARE]) as bare,
    ):
        ports = {OURS: ours.port, BARE: bare.port}
        for port in ports.values():  # spawn and warm every worker before anything is timed
            warm_ids = [f"warm-{index}" for index in range(2 * concurrency)]
            for operation in OPERATIONS:
                drive(port, _calls(operation, warm_ids), concurrency)
        # Short bursts, the handlers taking turns, so that other work on the machine hits both alike.
        turn = 0
        for repeat in range(repeats):
            ids = [f"e2e-{repeat}-{index:05d}" for index in range(requests)]
            chunks = [ids[start : start + CHUNK] for start in range(0, requests, CHUNK)]
            for operation in OPERATIONS:
                for chunk in chunks:
                    turn += 1
                    for handler, port in ports.items() if turn % 2 else reversed(ports.items()):
                        outcome = drive(port, _calls(operation, chunk), concurrency)
                        if outcome.failures:
                            raise RuntimeError(f"{handler}: {outcome.failures} {operation} calls failed")
                        samples[handler][operation].append(outcome)
    rows = []
    raw: dict[str, Any] = {}
    for operation in OPERATIONS:
        rates = {h: Spread.of([len(o.latencies) / o.seconds for o in samples[h][operation]]) for h in handlers}
        pooled = {h: [lat * 1000 for o in samples[h][operation] for lat in o.latencies] for h in handlers}
        p50 = {h: percentile(pooled[h], 0.5) for h in handlers}
        p99 = {h: percentile(pooled[h], 0.99) for h in handlers}
        rows.append(
            Row(
                section,
                f"rpc {operation}: requests/s",
                rates[OURS].text("{:.0f}"),
                rates[BARE].text("{:.0f}"),
                rates[OURS].median / rates[BARE].median,
                floor=THROUGHPUT_FLOOR,
            )
        )
        rows.append(
            Row(
                section,
                f"rpc {operation}: p50 / p99 latency (ms)",
                f"{p50[OURS]:.1f} / {p99[OURS]:.1f}",
                f"{p50[BARE]:.1f} / {p99[BARE]:.1f}",
                p50[OURS] / p50[BARE],
            )
        )
        raw[operation] = {
            h: {
                "requests_per_s": [len(o.latencies) / o.seconds for o in samples[h][operation]],
                "p50_ms": p50[h],
                "p99_ms": p99[h],
            }
            for h in handlers
        }
    return rows, {
        "server": server,
        "concurrency": concurrency,
        "requests": requests,
        "repeats": repeats,
        "operations": raw,
    }
