"""Fixtures of the reliability tests: a stack of their own, and the app built in-process as the handler builds it."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aws_lambda_powertools import Logger, Metrics

from dynamodbmanager.api.app import App
from dynamodbmanager.config import Settings
from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.store.client import BotocoreDynamoDB
from dynamodbmanager.store.table import ItemTable
from tests.conftest import RunningStack, start_dynalite_stack, start_stack

#: The table the reliability stack and the in-process app share, apart from every other test's.
TABLE = "reliability"

AppFactory = Callable[[str, io.StringIO], App]


@pytest.fixture(scope="session")
def reliability_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """``dynamodbmanager local`` on its own table, so scans before and after a request see only this package's data."""
    log = tmp_path_factory.mktemp("reliability") / "local.log"
    # The in-process app (``direct_app``) signs cursors with the same key, so either reads the other's cursors.
    running = start_stack(lambda_zip, emulator, TABLE, log, env={"CURSOR_SIGNING_KEY": TABLE})
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="session")
def dynalite_reliability_stack(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack on dynalite, for generated requests: dynalite refuses a malformed expression as DynamoDB
    does (ValidationException), where moto answers HTTP 500 and the service could only pass that on as a 5xx."""
    directory = tmp_path_factory.mktemp("reliability-dynalite")
    running = start_dynalite_stack(lambda_zip, directory / "data", TABLE, directory / "local.log")
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="session")
def make_app(emulator: Emulator) -> AppFactory:
    """Build the app as ``handler.py`` does, over a client pointed at the emulator, logging into ``stream``."""

    def build(table_name: str, stream: io.StringIO) -> App:
        emulator.ensure_table(table_name)
        settings = Settings(
            table_name=table_name,
            region=emulator.region,
            dynamodb_endpoint_url=emulator.url,
            cursor_signing_key=table_name.encode(),
        )
        # A service name of its own: Powertools shares one logging.Logger per service name.
        logger = Logger(service=f"dynamodbmanager-{uuid.uuid4().hex[:8]}", level="INFO", stream=stream)
        metrics = Metrics(namespace="dynamodbmanager-tests", service="dynamodbmanager")
        return App(settings, ItemTable(BotocoreDynamoDB(emulator.client("dynamodb")), table_name), logger, metrics)

    return build


@pytest.fixture(scope="session")
def direct_app(make_app: AppFactory, reliability_stack: RunningStack) -> App:
    """The app in-process on the reliability stack's table (same cursor key), for events of both payload formats."""
    return make_app(reliability_stack.table_name, io.StringIO())
