"""Where a cold start's import time goes: ``python -X importtime`` of the handler from the zip, grouped.

``.venv/bin/python bench/importtime.py [--rounds N]`` builds the zip with bytecode, imports the handler from it
as Lambda's runtime would (``-S -P``, lean client, dummy credentials) ``N`` times, and prints the median
self time of each group of modules: the function's own packages and the standard library it pulls in.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.functions import lambda_env, python_argv
from dynamodbmanager.build import build_zip

#: Groups, first match wins: a module's name prefix and what to call it.
GROUPS = (
    ("dynamodbmanager.api", "dynamodbmanager.api (routes, RPC, REST)"),
    ("dynamodbmanager.http", "dynamodbmanager.http (events, responses, routing)"),
    ("dynamodbmanager.store.lean", "dynamodbmanager.store.lean + sigv4 (DynamoDB client)"),
    ("dynamodbmanager.store.sigv4", "dynamodbmanager.store.lean + sigv4 (DynamoDB client)"),
    ("dynamodbmanager.store", "dynamodbmanager.store (items, keys, expressions)"),
    ("dynamodbmanager.telemetry", "dynamodbmanager.telemetry (log lines, EMF)"),
    ("dynamodbmanager", "dynamodbmanager (settings, schema, errors)"),
    ("http.client", "http.client, email, ssl, socket (HTTP)"),
    ("email", "http.client, email, ssl, socket (HTTP)"),
    ("ssl", "http.client, email, ssl, socket (HTTP)"),
    ("socket", "http.client, email, ssl, socket (HTTP)"),
    ("selectors", "http.client, email, ssl, socket (HTTP)"),
    ("json", "json, decimal, hashlib, hmac, base64 (data)"),
    ("decimal", "json, decimal, hashlib, hmac, base64 (data)"),
    ("_decimal", "json, decimal, hashlib, hmac, base64 (data)"),
    ("hashlib", "json, decimal, hashlib, hmac, base64 (data)"),
    ("_hashlib", "json, decimal, hashlib, hmac, base64 (data)"),
    ("hmac", "json, decimal, hashlib, hmac, base64 (data)"),
    ("base64", "json, decimal, hashlib, hmac, base64 (data)"),
    ("typing", "typing, dataclasses, inspect (definitions)"),
    ("dataclasses", "typing, dataclasses, inspect (definitions)"),
    ("inspect", "typing, dataclasses, inspect (definitions)"),
)
OTHER = "rest of the standard library (re, enum, uuid, urllib, ...)"


def group_of(module: str) -> str:
    """The group a module's self time is counted in."""
    for prefix, name in GROUPS:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return OTHER


def measure(code_dir: Path) -> dict[str, float]:
    """Self time per group, in ms, of one fresh import of the handler from ``code_dir``."""
    env = {**lambda_env("anything", "http://127.0.0.1:9"), "PYTHONPATH": str(code_dir)}
    done = subprocess.run(
        python_argv("-X", "importtime", "-c", "import dynamodbmanager.handler"),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = defaultdict(float)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        totals[group_of(name.strip())] += int(self_us) / 1000
    return totals


def main() -> None:
    """Build, import ``--rounds`` times, print the median per group and their sum."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="fresh imports to take the median of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dynamodbmanager-importtime-") as scratch:
        code_dir = Path(scratch) / "task"
        with zipfile.ZipFile(build_zip(Path(scratch) / "lambda.zip", bytecode=True)) as archive:
            archive.extractall(code_dir)
        runs = [measure(code_dir) for _ in range(args.rounds)]
    names = sorted({name for run in runs for name in run})
    medians = {name: statistics.median(run.get(name, 0.0) for run in runs) for name in names}
    for name, ms in sorted(medians.items(), key=lambda item: -item[1]):
        print(f"{ms:7.1f} ms  {name}")
    print(f"{sum(medians.values()):7.1f} ms  all imports of the handler (median of {args.rounds} per group)")


if __name__ == "__main__":
    main()
