"""Fixtures of the browser tests: Debian's Chromium driven through its ChromeDriver, and a stack of their own."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

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
