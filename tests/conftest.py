"""Fixtures shared by every test tier: the built zip, the emulator, and the local stack over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dynamodbmanager.build import build_zip
from dynamodbmanager.local.emulator import Emulator, start_emulator
from dynamodbmanager.local.processes import ManagedProcess, free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
#: The environment that makes the function use botocore's DynamoDB client instead of its lean one.
BOTOCORE = {"DYNAMODB_CLIENT": "botocore"}


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployment package, built once per test run from the working tree."""
    return build_zip(tmp_path_factory.mktemp("dist") / "lambda.zip")


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One moto_server for the session, stopped by its process group at the end."""
    running = start_emulator()
    try:
        yield running
    finally:
        running.stop()


@dataclass
class RunningStack:
    """A ``dynamodbmanager local`` process and what it talks to."""

    url: str
    emulator: Emulator
    table_name: str
    process: ManagedProcess
    log_path: Path

    def scan_all(self) -> list[dict[str, object]]:
        """Every item of the table, typed, sorted by id: to compare the table before and after a request."""
        client = self.emulator.client("dynamodb")
        items: list[dict[str, object]] = []
        for page in client.get_paginator("scan").paginate(TableName=self.table_name, ConsistentRead=True):
            items.extend(page["Items"])
        return sorted(items, key=lambda item: str(item["id"]))

    def clear(self) -> None:
        """Delete every item of the table."""
        client = self.emulator.client("dynamodb")
        for item in self.scan_all():
            client.delete_item(TableName=self.table_name, Key={"id": item["id"]})


def start_stack(
    lambda_zip: Path,
    emulator: Emulator,
    table_name: str,
    log_path: Path,
    *extra: str,
    env: dict[str, str] | None = None,
) -> RunningStack:
    """Run the real ``dynamodbmanager local`` command on a free port against ``emulator`` (``env`` added)."""
    port = free_port()
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(lambda_zip)]
    argv += ["--emulator-url", emulator.url, "--table", table_name, *extra]
    log = log_path.open("wb")
    process = ManagedProcess(
        argv, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", process, timeout=60)
    except BaseException:
        process.stop()
        raise
    return RunningStack(url, emulator, table_name, process, log_path)


@pytest.fixture(scope="session")
def stack(lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack serving the built zip on its own table, for the whole session."""
    running = start_stack(lambda_zip, emulator, "anything", tmp_path_factory.mktemp("stack") / "local.log")
    try:
        yield running
    finally:
        running.process.stop()


def start_dynalite_stack(
    lambda_zip: Path,
    data_dir: Path,
    table_name: str,
    log_path: Path,
    *extra: str,
    port: int | None = None,
    emulator_port: int | None = None,
    env: dict[str, str] | None = None,
) -> RunningStack:
    """Run ``dynamodbmanager local --data-dir`` (on free ports by default): dynalite keeps the table in ``data_dir``."""
    port, emulator_port = port or free_port(), emulator_port or free_port()
    argv = [sys.executable, "-m", "dynamodbmanager.cli", "local", "--port", str(port), "--zip", str(lambda_zip)]
    argv += ["--data-dir", str(data_dir), "--emulator-port", str(emulator_port), "--table", table_name, *extra]
    log = log_path.open("wb")
    process = ManagedProcess(
        argv, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # The first start of all installs dynalite with npm.
        wait_for_http(f"{url}/health", process, timeout=300)
    except BaseException:
        process.stop()
        raise
    return RunningStack(url, Emulator(port=emulator_port), table_name, process, log_path)


@pytest.fixture(scope="session")
def botocore_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """The local stack whose function uses botocore's client (``DYNAMODB_CLIENT=botocore``), on a table of its own."""
    log_path = tmp_path_factory.mktemp("botocore-stack") / "local.log"
    running = start_stack(lambda_zip, emulator, "anything_botocore", log_path, env=BOTOCORE)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="session")
def dynalite_stack(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack on dynalite (``--data-dir``) instead of moto, for the whole session."""
    directory = tmp_path_factory.mktemp("dynalite-stack")
    running = start_dynalite_stack(lambda_zip, directory / "data", "anything", directory / "local.log")
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="session")
def botocore_dynalite_stack(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack on dynalite whose function uses botocore's client."""
    directory = tmp_path_factory.mktemp("botocore-dynalite-stack")
    log_path = directory / "local.log"
    running = start_dynalite_stack(lambda_zip, directory / "data", "anything", log_path, env=BOTOCORE)
    try:
        yield running
    finally:
        running.process.stop()
