"""Fixtures of the browser tests: Debian's Chromium driven through its ChromeDriver, and a stack of their own."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.webdriver.remote.webdriver import WebDriver

from dynamodbmanager.local.emulator import Emulator
from dynamodbmanager.local.processes import LOOPBACK, ManagedProcess, free_port, wait_for_http
from tests.conftest import ROOT, RunningStack, start_stack
from tests.httpclient import call

#: The key the console's stack demands, as a deployed API does.
API_KEY = "console-test-key"
#: Items the tests page through; their own table, so other tests' items never show up in the counts.
ITEM_COUNT = 120
#: 38 significant digits, more than a float holds: the console must show them as the API sends them.
BIG = 10**37
PRICE = "0.1234567890123456789012345678901234567"
#: Where the run's screenshots go (git-ignored).
SCREENSHOTS = ROOT / "screenshots"


def item_id(number: int) -> str:
    """The id of the ``number``-th seeded item."""
    return f"item-{number:03d}"


def seeded_item(number: int) -> str:
    """The JSON text of a seeded item, with numbers no float can carry."""
    extra = ',"tags":["red","blue"],"size":{"w":1.5,"h":2}' if number % 10 == 0 else ""
    return (
        f'{{"id":"{item_id(number)}","name":"Item {number}","group":"g{number % 4}",'
        f'"big":{BIG + number},"price":{PRICE}{extra}}}'
    )


@pytest.fixture(scope="session")
def console_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """The local stack on table ``console_browser``, behind an API key, seeded with :data:`ITEM_COUNT` items."""
    log = tmp_path_factory.mktemp("console-stack") / "local.log"
    running = start_stack(lambda_zip, emulator, "console_browser", log, "--api-key", API_KEY)
    try:
        for number in range(ITEM_COUNT):
            reply = call("POST", f"{running.url}/items", seeded_item(number), api_headers())
            assert reply.status == 201, reply.body
        yield running
    finally:
        running.process.stop()


def api_headers() -> dict[str, str]:
    """Headers for a direct API call to the console's stack."""
    return {"x-api-key": API_KEY, "Content-Type": "application/json"}


#: The single-table design and the table keyed by a number and binary, as ``--table-definition`` files.
SHOP_DEFINITION = ROOT / "examples" / "single-table.json"
READINGS_DEFINITION = ROOT / "examples" / "number-and-binary-keys.json"
#: Orders of the partition a query pages through: more than the smallest page holds.
MANY_ORDERS = 12


def shop_items() -> list[dict[str, object]]:
    """The single-table design's seed: two customers with a profile and orders, and one with many orders."""
    items: list[dict[str, object]] = [
        {"PK": "CUSTOMER#1", "SK": "PROFILE", "name": "Ada"},
        {"PK": "CUSTOMER#2", "SK": "PROFILE", "name": "Grace"},
        {"PK": "CUSTOMER#2", "SK": "ORDER#9", "total": 90, "GSI1PK": "ORDER#9", "GSI1SK": "CUSTOMER#2"},
    ]
    for number, status in ((1, "OPEN"), (2, None), (3, "OPEN")):
        order = {"PK": "CUSTOMER#1", "SK": f"ORDER#{number}", "total": number * 10, "createdAt": f"2026-0{number}"}
        order |= {"GSI1PK": f"ORDER#{number}", "GSI1SK": "CUSTOMER#1"}
        items.append(order | ({"status": status} if status else {}))
    items += [{"PK": "CUSTOMER#MANY", "SK": f"ORDER#{number:02d}", "total": number} for number in range(MANY_ORDERS)]
    return items


def _design_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory, definition: Path
) -> RunningStack:
    """A stack serving the table ``definition`` describes, open without an API key, on a table of its own."""
    table = f"console_{definition.stem.replace('-', '_')}"
    log = tmp_path_factory.mktemp(table) / "local.log"
    return start_stack(lambda_zip, emulator, table, log, "--table-definition", str(definition))


@pytest.fixture(scope="session")
def shop_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """The local stack on the single-table design (PK/SK, GSI1, sparse open-orders), seeded by :func:`shop_items`."""
    running = _design_stack(lambda_zip, emulator, tmp_path_factory, SHOP_DEFINITION)
    try:
        for item in shop_items():
            path = f"{quote(str(item['PK']), safe='')}/{quote(str(item['SK']), safe='')}"
            reply = call("PUT", f"{running.url}/items/{path}", item)
            assert reply.status == 201, reply.body
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="session")
def readings_stack(
    lambda_zip: Path, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """The local stack on a table keyed by a number (``sensor``) and binary (``at``), empty."""
    running = _design_stack(lambda_zip, emulator, tmp_path_factory, READINGS_DEFINITION)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """A headless Chromium, driven through ChromeDriver run as our own process group on a free port."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.fail("Chromium and ChromeDriver are missing: run scripts/install-browser (as root)")
    directory = tmp_path_factory.mktemp("chromium")
    port = free_port()
    log = (directory / "chromedriver.log").open("wb")
    driver_process = ManagedProcess(
        [chromedriver, f"--port={port}", f"--allowed-ips={LOOPBACK}"], stdout=log, stderr=subprocess.STDOUT
    )
    driver: WebDriver | None = None
    try:
        wait_for_http(f"http://{LOOPBACK}:{port}/status", driver_process, timeout=30)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in (
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1280,860",
            f"--user-data-dir={directory / 'profile'}",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Remote(command_executor=f"http://{LOOPBACK}:{port}", options=options)
        yield driver
    finally:
        if driver is not None:
            driver.quit()
        driver_process.stop()
        log.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder of the run's screenshots."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
