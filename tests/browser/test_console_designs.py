"""The console on other table designs, in a real Chromium: the key first, the query bar over the table and its
indexes, and items opened, saved and deleted by their whole key, checked with the low-level client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from tests.browser.conftest import MANY_ORDERS, shop_items
from tests.browser.page import ConsolePage
from tests.conftest import RunningStack
from tests.httpclient import call

pytestmark = pytest.mark.integration
CUSTOMER = "CUSTOMER#1"


@pytest.fixture
def driver(browser: WebDriver) -> Iterator[WebDriver]:
    """The browser, with every tab a test opens closed after it."""
    first = browser.current_window_handle
    yield browser
    for handle in browser.window_handles:
        if handle != first:
            browser.switch_to.window(handle)
            browser.close()
    browser.switch_to.window(first)
    browser.set_window_size(1280, 860)


def _console(driver: WebDriver, stack: RunningStack, items: int) -> ConsolePage:
    """A new tab on the console of ``stack``, showing the scan of its ``items``."""
    page = ConsolePage.open(driver, f"{stack.url}/dev/console", new_tab=True)
    page.wait_for_count(f"Showing {items} item{'' if items == 1 else 's'} on page 1")
    return page


def _stored(stack: RunningStack, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item at ``key`` as DynamoDB holds it, read with the low-level client; None when there is none."""
    client = stack.emulator.client("dynamodb")
    item: dict[str, Any] | None = client.get_item(TableName=stack.table_name, Key=key, ConsistentRead=True).get("Item")
    return item


def _labels(partition: str, *sort_keys: str) -> list[str]:
    """How the console names the items of one partition: ``PK / SK``."""
    return [f"{partition} / {sort_key}" for sort_key in sort_keys]


def test_a_query_by_partition_and_sort_key_prefix_lists_the_partition_in_sort_order(
    driver: WebDriver, shop_stack: RunningStack, screenshots: Path
) -> None:
    page = _console(driver, shop_stack, len(shop_items()))
    assert page.headers()[:2] == ["PK", "SK"]
    options = [option.text for option in Select(page.element("query-target")).options]
    assert options == [
        "Table · PK (S), SK (S)",
        "GSI1 · GSI1PK (S), GSI1SK (S)",
        "by-created · PK (S), createdAt (S)",
        "open-orders · status (S) · keys only",
    ]
    assert page.text("query-pk-label") == "PK"
    assert page.text("query-sort-label") == "SK"

    page.query(CUSTOMER, condition="begins_with", value="ORDER#")
    page.wait_for_rows(_labels(CUSTOMER, "ORDER#1", "ORDER#2", "ORDER#3"))
    assert page.text("query-note") == f"Query of the table: PK = “{CUSTOMER}”, SK begins with “ORDER#”, SK ascending"
    assert page.cell(f"{CUSTOMER} / ORDER#2", "total") == "20"
    driver.save_screenshot(str(screenshots / "console-query.png"))
    page.query(CUSTOMER, condition="begins_with", value="ORDER#", descending=True)
    page.wait_for_rows(_labels(CUSTOMER, "ORDER#3", "ORDER#2", "ORDER#1"))
    page.query(CUSTOMER, condition="between", value="ORDER#2", upper="PROFILE")
    page.wait_for_rows(_labels(CUSTOMER, "ORDER#2", "ORDER#3", "PROFILE"))

    # A partition larger than a page: the query's own cursor leads to the next page, in sort order still.
    page.page_size(10)
    page.query("CUSTOMER#MANY")
    orders = [f"ORDER#{number:02d}" for number in range(MANY_ORDERS)]
    page.wait_for_rows(_labels("CUSTOMER#MANY", *orders[:10]))
    page.click("next-page")
    page.wait_for_rows(_labels("CUSTOMER#MANY", *orders[10:]))
    assert not page.element("next-page").is_enabled()
    page.click("prev-page")
    page.wait_for_rows(_labels("CUSTOMER#MANY", *orders[:10]))

    page.click("query-scan")
    assert page.text("query-note") == ""
    page.page_size(50)
    page.wait_for_count(f"Showing {len(shop_items())} items on page 1")
    assert not page.element("query-scan").is_enabled()


def test_an_index_query_lists_the_index_partition_with_its_keys_beside_the_tables(
    driver: WebDriver, shop_stack: RunningStack
) -> None:
    page = _console(driver, shop_stack, len(shop_items()))
    page.query("ORDER#2", index="GSI1")
    page.wait_for_rows(_labels(CUSTOMER, "ORDER#2"))
    assert page.headers()[:4] == ["PK", "SK", "GSI1PK", "GSI1SK"]
    assert page.cell(f"{CUSTOMER} / ORDER#2", "total") == "20"
    assert page.text("query-note") == "Query of index GSI1: GSI1PK = “ORDER#2”, GSI1SK ascending"

    # The sparse index: only the open orders, keys only, and no sort key to put a condition on.
    page.query("OPEN", index="open-orders")
    page.wait_for_rows(_labels(CUSTOMER, "ORDER#1", "ORDER#3"))
    assert page.headers() == ["PK", "SK", "status", "version"]
    assert not page.element("query-op").is_enabled()

    page.query(CUSTOMER, index="by-created", condition="gte", value="2026-02", descending=True)
    page.wait_for_rows(_labels(CUSTOMER, "ORDER#3", "ORDER#2"))

    # In a narrow window the bar wraps: nothing sticks out sideways.
    driver.set_window_size(400, 860)
    assert page.visible("query-bar")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_open_save_and_delete_an_item_by_its_partition_and_sort_key(
    driver: WebDriver, shop_stack: RunningStack
) -> None:
    partition, sort_key = "CUSTOMER#9", "ORDER#7"
    label = f"{partition} / {sort_key}"
    key = {"PK": {"S": partition}, "SK": {"S": sort_key}}
    path = f"{shop_stack.url}/items/{quote(partition, safe='')}/{quote(sort_key, safe='')}"
    assert call("PUT", path, {"total": 70, "note": "first"}).status == 201
    page = _console(driver, shop_stack, len(shop_items()) + 1)
    page.query(partition)
    page.wait_for_rows([label])
    page.open_item(label)
    assert page.meta() == 'Version "1"'
    assert json.loads(page.json()) == {"PK": partition, "SK": sort_key, "total": 70, "note": "first"}

    page.type_json(json.dumps({"PK": partition, "SK": sort_key, "total": 71}))
    page.click("save")
    assert page.wait_for_message("Saved") == f'Saved “{label}” as version "2".'
    assert _stored(shop_stack, key) == {**key, "total": {"N": "71"}, "_version": {"N": "2"}}
    page.wait(lambda: page.cell(label, "total") == "71", "the row to show the new total")

    # Saved under If-Match: a change made meanwhile is a conflict, and the other writer's version stays.
    assert call("PATCH", path, {"note": "elsewhere"}, {"Content-Type": "application/merge-patch+json"}).status == 200
    page.type_json(json.dumps({"PK": partition, "SK": sort_key, "total": 72}))
    page.click("save")
    page.wait(lambda: page.visible("conflict"), "the conflict to show")
    assert page.text("conflict-text").startswith(f"Someone else changed “{label}” after you opened version")
    assert _stored(shop_stack, key) == {**key, "total": {"N": "71"}, "note": {"S": "elsewhere"}, "_version": {"N": "3"}}
    page.click("conflict-reload")
    page.wait(lambda: page.meta() == 'Version "3"', "the current version to load")

    page.click("delete")
    page.wait(lambda: page.visible("confirm"), "the confirmation")
    assert page.text("confirm-text") == f"Delete the item “{label}”? This cannot be undone."
    page.click("confirm-ok")
    assert page.wait_for_message("Deleted") == f"Deleted “{label}”."
    assert _stored(shop_stack, key) is None
    page.wait_for_rows([])


def test_a_new_item_starts_from_the_whole_key_and_is_created_at_it(driver: WebDriver, shop_stack: RunningStack) -> None:
    page = _console(driver, shop_stack, len(shop_items()))
    page.click("new-item")
    assert json.loads(page.json()) == {"PK": "", "SK": ""}
    assert page.meta() == "Give its key: “PK” (string) and “SK” (string)."
    page.type_json(json.dumps({"PK": "CUSTOMER#NEW", "SK": "PROFILE", "name": "Hedy"}))
    page.click("save")
    assert page.wait_for_message("Created") == 'Created “CUSTOMER#NEW / PROFILE” at version "1".'
    key = {"PK": {"S": "CUSTOMER#NEW"}, "SK": {"S": "PROFILE"}}
    try:
        assert _stored(shop_stack, key) == {**key, "name": {"S": "Hedy"}, "_version": {"N": "1"}}
    finally:
        shop_stack.emulator.client("dynamodb").delete_item(TableName=shop_stack.table_name, Key=key)


def test_a_binary_sort_key_is_addressed_as_url_safe_base64(driver: WebDriver, readings_stack: RunningStack) -> None:
    # b"\xfb\xff\xbf" is "+/+/" in standard base64: both characters differ in the URL-safe alphabet.
    key = {"sensor": {"N": "7"}, "at": {"B": b"\xfb\xff\xbf"}}
    earlier = {"sensor": {"N": "7"}, "at": {"B": b"\x00"}}
    client = readings_stack.emulator.client("dynamodb")
    client.put_item(TableName=readings_stack.table_name, Item={**key, "celsius": {"N": "21.5"}})
    client.put_item(TableName=readings_stack.table_name, Item={**earlier, "celsius": {"N": "19"}})
    page = _console(driver, readings_stack, 2)
    assert page.headers()[:2] == ["sensor", "at"]
    assert sorted(page.row_ids()) == ["7 / +/+/", "7 / AA=="]
    page.query("7", condition="gt", value="-_8")  # URL-safe base64 of b"\xfb\xff": only the later reading is past it
    page.wait_for_rows(["7 / +/+/"])
    page.open_item("7 / +/+/")
    assert page.meta() == 'Version "0"'
    page.type_json('{"sensor": 7, "at": "+/+/", "celsius": 22}')
    page.click("save")
    page.wait_for_message("Saved")
    assert _stored(readings_stack, key) == {**key, "celsius": {"N": "22"}, "_version": {"N": "1"}}
    page.click("delete")
    page.click("confirm-ok")
    page.wait_for_message("Deleted")
    assert _stored(readings_stack, key) is None
