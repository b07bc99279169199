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

#: Groups of the standard library, by the module whose import pulls the rest in (``http.client`` brings
#: ``email``, ``ssl``, ``socket``, ``datetime``...): a module counts in the group of its nearest such importer.
STDLIB_GROUPS = (
    (("http.client",), "http.client and what it imports (email, ssl, socket, datetime)"),
    (("dataclasses", "typing", "inspect"), "typing, dataclasses and what they import (inspect, ast, dis)"),
    (("json", "decimal", "hashlib", "hmac", "base64", "zlib"), "json, decimal, hashlib, hmac, base64, zlib"),
    (("re", "enum", "collections", "functools", "urllib.parse", "uuid"), "re, enum, collections, urllib, uuid"),
)
#: The function's own modules, first match wins.
OWN_GROUPS = (
    ("dynamodbmanager.api", "dynamodbmanager.api (routes, RPC, REST)"),
    ("dynamodbmanager.http", "dynamodbmanager.http (events, responses, routing)"),
    ("dynamodbmanager.store.lean", "dynamodbmanager.store.lean + sigv4 (DynamoDB client)"),
    ("dynamodbmanager.store.sigv4", "dynamodbmanager.store.lean + sigv4 (DynamoDB client)"),
    ("dynamodbmanager.store", "dynamodbmanager.store (items, keys, expressions)"),
    ("dynamodbmanager.telemetry", "dynamodbmanager.telemetry (log lines, EMF)"),
    ("dynamodbmanager", "dynamodbmanager (handler, settings, schema, errors)"),
)
OTHER = "rest of the standard library (os, io, codecs, platform, ...)"


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def group_of(module: str, importers: list[str]) -> str:
    """The group of ``module``: its own package's, else that of its nearest importer in a standard-library group."""
    for prefix, name in OWN_GROUPS:
        if _matches(module, prefix):
            return name
    for candidate in [module, *reversed(importers)]:
        for prefixes, name in STDLIB_GROUPS:
            if any(_matches(candidate, prefix) for prefix in prefixes):
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
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:") and "self [us]" not in line]
    totals: dict[str, float] = defaultdict(float)
    # importtime prints a module after what it imported, each level indented two more spaces: read it backwards
    # to know every module's importers.
    importers: list[tuple[int, str]] = []
    for line in reversed(lines):
        self_us, _, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        module = name.strip()
        while importers and importers[-1][0] >= depth:
            importers.pop()
        totals[group_of(module, [importer for _, importer in importers])] += int(self_us) / 1000
        importers.append((depth, module))
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
