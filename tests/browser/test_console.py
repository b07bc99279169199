"""The console in a real Chromium against the local stack: browse, filter, edit, conflicts, create, delete, errors,
and items of every DynamoDB type, written by another tool, that the console shows typed and saves without loss."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.command import Command
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import API_KEY, BIG, ITEM_COUNT, PRICE, api_headers, item_id
from tests.browser.page import ConsolePage
from tests.conftest import RunningStack
from tests.httpclient import Reply, call

pytestmark = pytest.mark.integration


@pytest.fixture
def driver(browser: WebDriver) -> Iterator[WebDriver]:
    """The browser, with every tab a test opens closed after it, so each test starts with a fresh session storage."""
    first = browser.current_window_handle
    yield browser
    for handle in browser.window_handles:
        if handle != first:
            browser.switch_to.window(handle)
            browser.close()
    browser.switch_to.window(first)
    browser.set_window_size(1280, 860)


@pytest.fixture
def url(console_stack: RunningStack) -> str:
    """The console behind the stage prefix, as API Gateway serves it."""
    return f"{console_stack.url}/dev/console"


def _console(driver: WebDriver, url: str, *, page_size: int | None = None, items: int = ITEM_COUNT) -> ConsolePage:
    """A new tab on the console with the API key in use, showing the first page of a table of ``items``."""
    page = ConsolePage.open(driver, url, new_tab=True)
    page.use_key(API_KEY)
    page.wait_for_count("Showing 50 items on page 1")
    if page_size is not None:
        page.page_size(page_size)
        page.wait_for_count(f"Showing {min(page_size, items)} items on page 1")
    return page


def _api(stack: RunningStack, method: str, item: str, body: str | None = None) -> Reply:
    """A direct call to the item API, bypassing the browser."""
    return call(method, f"{stack.url}/items/{quote(item, safe='')}", body, api_headers())


def _editor_json(item: dict[str, str | int]) -> str:
    """What a person types: JSON with numbers written out in full."""
    return json.dumps(item, indent=2)


def test_the_page_is_public_and_a_missing_api_key_is_explained(driver: WebDriver, url: str) -> None:
    page = ConsolePage.open(driver, url, new_tab=True)
    assert page.count() == "The items could not be loaded."
    assert page.wait_for_message("403 Gateway: Forbidden") == "403 Gateway: Forbidden. Enter a valid API key above."
    assert page.wait(lambda: page.text("service-info"), "the health line").startswith("table console_browser")
    page.use_key("not-the-key")
    page.wait_for_message("403 Gateway: Forbidden")
    page.use_key(API_KEY)
    page.wait_for_count("Showing 50 items on page 1")
    assert page.message() == ""
    assert driver.execute_script("return sessionStorage.getItem('dynamodbmanager.apiKey')") == API_KEY
    assert driver.execute_script("return localStorage.length") == 0
    # Session storage belongs to the tab: another tab asks for the key again.
    other = ConsolePage.open(driver, url, new_tab=True)
    assert other.wait_for_message("403 Gateway: Forbidden")


def test_pages_through_every_item_with_numbers_exactly_as_stored(driver: WebDriver, url: str) -> None:
    page = _console(driver, url)
    headers = page.headers()
    assert headers[0] == "id"
    assert headers[-1] == "version"
    assert {"name", "group", "big", "price"} <= set(headers)
    pages = [page.row_ids()]
    page.click("next-page")
    page.wait_for_count("Showing 50 items on page 2")
    pages.append(page.row_ids())
    page.click("next-page")
    page.wait_for_count("Showing 20 items on page 3")
    pages.append(page.row_ids())
    assert not page.element("next-page").is_enabled()
    seen = [item for ids in pages for item in ids]
    assert sorted(seen) == [item_id(number) for number in range(ITEM_COUNT)]

    for item in pages[2]:
        number = int(item.removeprefix("item-"))
        assert page.cell(item, "big") == str(BIG + number)
        assert page.cell(item, "price") == PRICE
        assert page.cell(item, "version") == "1"
    with_tags = next(item for item in pages[2] if int(item.removeprefix("item-")) % 10 == 0)
    assert page.cell(with_tags, "tags") == '["red","blue"]'
    assert page.cell(with_tags, "size") == '{"w":1.5,"h":2}'

    in_group = [item for item in pages[2] if int(item.removeprefix("item-")) % 4 == 1]
    page.filter("group=g1")
    page.wait_for_count(f"Showing {len(in_group)} of 20 items on page 3 matching “group=g1”")
    assert page.row_ids() == in_group
    prefix = pages[2][0][:7]
    page.filter(prefix)
    assert page.row_ids() == [item for item in pages[2] if item.startswith(prefix)]
    page.filter(str(BIG + int(pages[2][1].removeprefix("item-"))))
    assert page.row_ids() == [pages[2][1]]
    page.filter("")
    page.wait_for_count("Showing 20 items on page 3")

    page.click("prev-page")
    page.wait_for_count("Showing 50 items on page 2")
    assert page.row_ids() == pages[1]
    page.click("prev-page")
    page.wait_for_count("Showing 50 items on page 1")
    assert page.row_ids() == pages[0]
    assert not page.element("prev-page").is_enabled()
    page.page_size(250)
    page.wait_for_count(f"Showing {ITEM_COUNT} items on page 1")
    assert not page.element("next-page").is_enabled()


def test_edit_and_save_keeps_every_digit(
    driver: WebDriver, url: str, console_stack: RunningStack, screenshots: Path
) -> None:
    page = _console(driver, url, page_size=250)
    page.open_item("item-007")
    text = page.json()
    assert f'"big": {BIG + 7}' in text
    assert f'"price": {PRICE}' in text
    assert "_version" not in text
    version = re.search(r'Version "(\d+)"', page.meta())
    assert version is not None

    page.type_json('{"id": "item-007", "name": }')
    assert page.text("json-status").startswith("Invalid JSON:")
    assert not page.element("save").is_enabled()
    exact = "98765432109876543210.000000000000000001"
    page.type_json('{\n"id": "item-007",\n"name": "Renamed",\n"big": ' + str(BIG + 7) + ',\n"exact": ' + exact + "\n}")
    assert page.text("json-status") == "Valid JSON object with 4 attributes."
    page.element("item-json").send_keys(Keys.CONTROL, "s")
    saved = int(version.group(1)) + 1
    assert page.wait_for_message("Saved") == f'Saved “item-007” as version "{saved}".'
    assert page.meta() == f'Version "{saved}"'
    assert f'"exact": {exact}' in page.json()
    page.wait(lambda: page.cell("item-007", "name") == "Renamed", "the row to show the new name")
    stored = _api(console_stack, "GET", "item-007")
    assert stored.header("ETag") == f'"{saved}"'
    assert f'"big":{BIG + 7}' in stored.body.decode()
    assert f'"exact":{exact}' in stored.body.decode()
    assert "price" not in stored.json()  # a save replaces the whole item
    driver.save_screenshot(str(screenshots / "console.png"))


#: An item with what trips naive JSON handling: escapes, a prototype-named key, digit keys, exponents, empties.
UNUSUAL = (
    '{"id":"odd id ✓?#&","text":"quote \\" backslash \\\\ tab \\t é ✓","__proto__":{"polluted":true},'
    '"2":"two","1":"one","tiny":-1.5E-7,"huge":9.9999999999999999999999999999999999999E+125,'
    '"nested":{"list":[[],{},null,false,0]},"empty":""}'
)


def _exact(text: str | bytes) -> object:
    """JSON parsed with every number exact, to compare two texts of one item."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def test_unusual_values_survive_display_and_an_unchanged_save(
    driver: WebDriver, url: str, console_stack: RunningStack
) -> None:
    item = "odd id ✓?#&"
    assert call("POST", f"{console_stack.url}/items", UNUSUAL, api_headers()).status == 201
    try:
        page = _console(driver, url, page_size=250, items=ITEM_COUNT + 1)
        page.filter("odd id")
        page.wait(lambda: page.row_ids() == [item], "the filter to find the item")
        assert page.cell(item, "nested") == '{"list":[[],{},null,false,0]}'
        page.open_item(item)
        stored = _api(console_stack, "GET", item)
        expected = _exact(stored.body)
        assert isinstance(expected, dict)
        expected.pop("_version")
        assert _exact(page.json()) == expected
        assert list(json.loads(page.json())) == [key for key in json.loads(stored.body) if key != "_version"]
        page.click("save")
        page.wait_for_message("Saved")
        again = _exact(_api(console_stack, "GET", item).body)
        assert isinstance(again, dict)
        assert again.pop("_version") == 2
        assert again == expected
    finally:
        _api(console_stack, "DELETE", item)


def test_a_conflict_from_a_second_tab_is_shown_and_resolved(
    driver: WebDriver, url: str, console_stack: RunningStack, screenshots: Path
) -> None:
    first = _console(driver, url, page_size=250)
    first.open_item("item-010")
    opened = first.meta()
    second = _console(driver, url, page_size=250)
    second.open_item("item-010")
    second.type_json('{"id": "item-010", "name": "From the second tab"}')
    second.click("save")
    second.wait_for_message("Saved")

    first.focus()
    assert first.meta() == opened
    first.type_json('{"id": "item-010", "name": "From the first tab"}')
    first.click("save")
    first.wait(lambda: first.visible("conflict"), "the conflict to show")
    assert first.text("conflict-text").startswith("Someone else changed “item-010” after you opened version")
    assert first.json() == '{"id": "item-010", "name": "From the first tab"}'  # the edits are still there
    driver.save_screenshot(str(screenshots / "console-conflict.png"))
    first.click("conflict-overwrite")
    first.wait_for_message("Saved")
    assert not first.visible("conflict")
    assert _api(console_stack, "GET", "item-010").json()["name"] == "From the first tab"

    second.focus()
    second.type_json('{"id": "item-010", "name": "Second tab again"}')
    second.click("save")
    second.wait(lambda: second.visible("conflict"), "the conflict to show in the second tab")
    second.click("conflict-reload")
    second.wait(lambda: '"name": "From the first tab"' in second.json(), "the first tab's version to load")
    assert second.meta() == first.meta()
    assert not second.visible("conflict")
    assert _api(console_stack, "GET", "item-010").json()["name"] == "From the first tab"


def test_create_duplicate_and_delete_with_confirmation(
    driver: WebDriver, url: str, console_stack: RunningStack
) -> None:
    page = _console(driver, url)
    page.click("new-item")
    assert page.text("editor-title") == "New item"
    assert page.element("save").text == "Create"
    big = "12345678901234567890123456789012345678"
    page.type_json('{"id": "", "name": "Fresh", "n": ' + big + "}")
    page.click("save")
    created = page.wait_for_message("Created")
    first_id = page.text("editor-title")
    assert created == f'Created “{first_id}” at version "1".'
    assert re.fullmatch(r"[0-9a-f-]{36}", first_id)
    assert f'"n":{big},' in _api(console_stack, "GET", first_id).body.decode()

    page.click("duplicate")
    assert page.text("editor-title") == f"New item (copy of {first_id})"
    assert '"id"' not in page.json()
    assert f'"n": {big}' in page.json()
    page.click("save")
    page.wait_for_message("Created")
    copy_id = page.text("editor-title")
    assert copy_id != first_id
    assert _api(console_stack, "GET", copy_id).json()["name"] == "Fresh"

    page.click("delete")
    page.wait(lambda: page.visible("confirm"), "the confirmation")
    assert page.text("confirm-text") == f"Delete the item “{copy_id}”? This cannot be undone."
    page.click("confirm-cancel")
    assert _api(console_stack, "GET", copy_id).status == 200
    page.click("delete")
    page.wait(lambda: page.visible("confirm"), "the confirmation")
    page.click("confirm-ok")
    assert page.wait_for_message("Deleted") == f"Deleted “{copy_id}”."
    assert not page.visible("editor")
    assert _api(console_stack, "GET", copy_id).status == 404

    # Someone changes the first item while it is open: deleting it needs a second, explicit decision.
    page.page_size(250)
    page.wait(lambda: first_id in page.row_ids(), "the created item in the table")
    page.open_item(first_id)
    assert _api(console_stack, "PATCH", first_id, '{"name": "changed elsewhere"}').status == 200
    page.click("delete")
    page.click("confirm-ok")
    page.wait(lambda: page.visible("conflict"), "the conflict on delete")
    assert page.text("conflict-overwrite") == "Delete anyway"
    page.click("conflict-overwrite")
    assert page.wait_for_message("Deleted") == f"Deleted “{first_id}”."
    assert _api(console_stack, "GET", first_id).status == 404
    page.wait_for_count(f"Showing {ITEM_COUNT} items on page 1")


def test_every_api_error_is_shown_with_its_status_code_and_message(driver: WebDriver, url: str) -> None:
    page = _console(driver, url, page_size=250)
    page.click("new-item")
    page.type_json('{"id": "item-001"}')
    page.click("save")
    assert page.wait_for_message("409") == "409 ItemExists: An item with id 'item-001' exists already."

    page.click("close-editor")
    page.click("confirm-ok")  # discard the unsaved new item
    page.wait(lambda: not page.visible("editor"), "the editor to close")
    page.open_item("item-002")
    page.type_json('{"id": "another-id"}')
    page.click("save")
    assert page.wait_for_message("400") == "400 IdMismatch: A patch cannot change 'id'."

    page.type_json('{"id": "item-002", "digits": 123456789012345678901234567890123456789}')
    assert page.text("json-status") == "Valid JSON object with 2 attributes."  # valid JSON, but not for DynamoDB
    page.click("save")
    message = page.wait_for_message("400")
    assert message.startswith("400 ValidationError: ")
    assert message.endswith("has a number with more than DynamoDB's 38 significant digits.")
    page.click("message-close")
    assert page.message() == ""


def test_narrow_window_bare_path_and_content_security_policy(
    driver: WebDriver, console_stack: RunningStack, screenshots: Path
) -> None:
    driver.switch_to.new_window("tab")
    driver.set_window_size(400, 860)
    page = _console(driver, f"{console_stack.url}/console")  # without the stage prefix too
    assert driver.execute_script("return getComputedStyle(document.body).margin") == "0px"  # the stylesheet applies
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    page.open_item(page.row_ids()[0])
    area_right = driver.execute_script("return document.getElementById('item-json').getBoundingClientRect().right")
    assert area_right <= driver.execute_script("return window.innerWidth")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    driver.save_screenshot(str(screenshots / "console-400px.png"))
    page.element("item-json").send_keys(Keys.ESCAPE)
    page.wait(lambda: not page.visible("editor"), "Escape to close the editor")
    logs = driver.execute(Command.GET_LOG, {"type": "browser"})["value"]
    assert not [entry for entry in logs if "Content Security Policy" in entry["message"]]


#: Every type plain JSON cannot tell apart (sets, binary) at the top level and nested, beside the plain ones.
TYPED_ITEM: dict[str, Any] = {
    "name": {"S": "before"},
    "tally": {"N": "12345678901234567890123456789012345678"},
    "ss": {"SS": ["red", "blue"]},
    "ns": {"NS": ["2.5", "1", "-3"]},
    "bs": {"BS": [b"\xff", b"\x00\x01"]},
    "blob": {"B": b"\x00\x01\xfe\xff"},
    "nested": {"M": {"ss": {"SS": ["x"]}, "b": {"B": b"\x02"}, "deeper": {"M": {"ns": {"NS": ["9"]}}}}},
    "zlist": {"L": [{"BOOL": True}, {"NULL": True}, {"BS": [b"\x03"]}, {"S": "last"}]},
}
TYPES = {name: next(iter(value)) for name, value in TYPED_ITEM.items()}


def _comparable(typed: Any) -> Any:
    """A typed value as the low-level client reads it, with set members unordered (DynamoDB keeps no order)."""
    ((kind, value),) = typed.items()
    if kind in ("SS", "NS", "BS"):
        return kind, frozenset(bytes(member) if kind == "BS" else member for member in value)
    if kind == "B":
        return kind, bytes(value)
    if kind == "M":
        return kind, {name: _comparable(member) for name, member in value.items()}
    if kind == "L":
        return kind, [_comparable(member) for member in value]
    return kind, value


def _put_typed(stack: RunningStack) -> str:
    """Write :data:`TYPED_ITEM` straight into the table, without a version, as another tool would; its id."""
    item_id = f"typed-{uuid.uuid4()}"
    item = {"id": {"S": item_id}, **TYPED_ITEM}
    stack.emulator.client("dynamodb").put_item(TableName=stack.table_name, Item=item)
    return item_id


def _stored(stack: RunningStack, item_id: str) -> dict[str, Any]:
    """The item as DynamoDB holds it, read with the low-level client, attribute by attribute comparable."""
    client = stack.emulator.client("dynamodb")
    item = client.get_item(TableName=stack.table_name, Key={"id": {"S": item_id}}, ConsistentRead=True)["Item"]
    return {name: _comparable(value) for name, value in item.items()}


def _untouched(stack: RunningStack, item_id: str, *changed: str) -> dict[str, Any]:
    """What the low-level client reads of the attributes a save did not change, and what they were written as."""
    after = _stored(stack, item_id)
    kept = {name: after[name] for name in after if name not in (*changed, "id", "_version")}
    return {"stored": kept, "written": {n: _comparable(v) for n, v in TYPED_ITEM.items() if n not in changed}}


def _open_typed(driver: WebDriver, url: str, item_id: str) -> ConsolePage:
    """A console tab with the typed item found by its id and opened."""
    page = _console(driver, url, page_size=250, items=ITEM_COUNT + 1)
    page.filter(item_id)
    page.wait(lambda: page.row_ids() == [item_id], "the filter to find the typed item")
    page.open_item(item_id)
    return page


def test_an_item_of_every_type_shows_its_types_and_saves_through_both_views_without_loss(
    driver: WebDriver, url: str, console_stack: RunningStack, screenshots: Path
) -> None:
    item_id = _put_typed(console_stack)
    try:
        page = _open_typed(driver, url, item_id)
        # The table: each value in its plain form after a badge naming its type.
        assert page.cell_type(item_id, "ss") == "SS"
        assert page.cell(item_id, "ss") == '["blue","red"]'
        assert page.cell_type(item_id, "blob") == "B"
        assert page.cell(item_id, "blob") == "AAH+/w=="
        assert page.cell_type(item_id, "nested") == "M"
        assert page.cell_type(item_id, "tally") == "N"
        assert page.cell(item_id, "tally") == TYPED_ITEM["tally"]["N"]
        assert page.cell_type(item_id, "version") == ""  # the version is the service's; written by another tool: 0
        assert page.meta() == 'Version "0"'
        # The editor: a badge per attribute, and the plain view as the API's plain JSON would show the item.
        assert page.types() == {"id": "S", **TYPES}
        assert page.current_view() == "Plain JSON"
        plain = json.loads(page.json(), parse_float=Decimal)
        assert plain["ss"] == ["blue", "red"]
        assert plain["ns"] == [-3, 1, Decimal("2.5")]
        assert plain["bs"] == ["/w==", "AAE="]
        assert plain["nested"] == {"ss": ["x"], "b": "Ag==", "deeper": {"ns": [9]}}
        assert plain["zlist"] == [True, None, ["Aw=="], "last"]
        driver.save_screenshot(str(screenshots / "console-types.png"))

        # Saved from the plain view with one string edited: only that attribute changes, every type stays.
        page.type_json(page.json().replace('"name": "before"', '"name": "after the plain view"'))
        assert page.text("json-status") == f"Valid JSON object with {len(TYPED_ITEM) + 1} attributes."
        page.click("save")
        assert page.wait_for_message("Saved") == f'Saved “{item_id}” as version "1".'
        after = _stored(console_stack, item_id)
        assert after["name"] == ("S", "after the plain view")
        assert after["_version"] == ("N", "1")
        untouched = _untouched(console_stack, item_id, "name")
        assert untouched["stored"] == untouched["written"]
        assert page.types() == {"id": "S", **TYPES}

        # Saved from the DynamoDB JSON view with one value edited: the item is replaced by exactly that text.
        page.view("DynamoDB JSON")
        typed = json.loads(page.json())
        assert typed["blob"] == {"B": "AAH+/w=="}
        assert typed["name"] == {"S": "after the plain view"}
        assert "_version" not in typed
        typed["ss"]["SS"].append("green")
        page.type_json(json.dumps(typed, indent=2))
        assert page.text("json-status") == f"Valid DynamoDB JSON item with {len(TYPED_ITEM) + 1} attributes."
        page.click("save")
        assert page.wait_for_message("Saved") == f'Saved “{item_id}” as version "2".'
        assert page.current_view() == "DynamoDB JSON"
        after = _stored(console_stack, item_id)
        assert after["ss"] == ("SS", frozenset({"red", "blue", "green"}))
        assert after["name"] == ("S", "after the plain view")
        assert after["_version"] == ("N", "2")
        untouched = _untouched(console_stack, item_id, "name", "ss")
        assert untouched["stored"] == untouched["written"]
    finally:
        _api(console_stack, "DELETE", item_id)


def test_the_plain_view_keeps_a_set_a_set_and_refuses_an_edit_that_would_change_its_type(
    driver: WebDriver, url: str, console_stack: RunningStack
) -> None:
    item_id = _put_typed(console_stack)
    try:
        page = _open_typed(driver, url, item_id)
        original = page.json()
        page.type_json(original.replace('"red"\n  ]', '"red",\n    "blue"\n  ]', 1))
        assert page.text("json-status") == (
            "“ss” is a string set (SS); in the plain view it stays one only as a non-empty list of distinct strings. "
            "Use the DynamoDB JSON view to change its type."
        )
        assert not page.element("save").is_enabled()
        page.type_json(original.replace('"AAH+/w=="', '"not base64!"'))
        assert page.text("json-status").startswith("“blob” is binary (B); in the plain view it stays binary only as")
        assert not page.element("save").is_enabled()

        # Edits that fit keep their type: one more member of a set, other base64 for binary, a nested set.
        edited = (
            original.replace('"red"\n  ]', '"red",\n    "green"\n  ]', 1)
            .replace('"AAH+/w=="', '"AQID"')
            .replace('"x"', '"x",\n      "y"')
        )
        page.type_json(edited)
        assert page.text("json-status").startswith("Valid JSON object")
        # The edits carry over to the DynamoDB JSON view, typed.
        page.view("DynamoDB JSON")
        typed = json.loads(page.json())
        assert typed["ss"] == {"SS": ["blue", "red", "green"]}
        assert typed["blob"] == {"B": "AQID"}
        assert typed["nested"]["M"]["ss"] == {"SS": ["x", "y"]}
        page.view("Plain JSON")
        back = json.loads(page.json())
        assert back["ss"] == ["blue", "green", "red"]  # a set reads sorted in the plain view
        assert back["nested"]["ss"] == ["x", "y"]
        page.click("save")
        page.wait_for_message("Saved")
        after = _stored(console_stack, item_id)
        assert after["ss"] == ("SS", frozenset({"red", "blue", "green"}))
        assert after["blob"] == ("B", base64.b64decode("AQID"))
        assert after["nested"] == (
            "M",
            {
                "ss": ("SS", frozenset({"x", "y"})),
                "b": ("B", b"\x02"),
                "deeper": ("M", {"ns": ("NS", frozenset({"9"}))}),
            },
        )
        untouched = _untouched(console_stack, item_id, "ss", "blob", "nested")
        assert untouched["stored"] == untouched["written"]
    finally:
        _api(console_stack, "DELETE", item_id)


def test_a_duplicate_of_a_typed_item_keeps_every_type(driver: WebDriver, url: str, console_stack: RunningStack) -> None:
    item_id = _put_typed(console_stack)
    copy_id = ""
    try:
        page = _open_typed(driver, url, item_id)
        page.click("duplicate")
        assert page.text("editor-title") == f"New item (copy of {item_id})"
        assert page.types() == TYPES
        page.click("save")
        page.wait_for_message("Created")
        copy_id = page.text("editor-title")
        assert copy_id != item_id
        copy = _stored(console_stack, copy_id)
        assert copy.pop("_version") == ("N", "1")
        assert copy.pop("id") == ("S", copy_id)
        assert copy == {name: _comparable(value) for name, value in TYPED_ITEM.items()}
    finally:
        _api(console_stack, "DELETE", item_id)
        if copy_id:
            _api(console_stack, "DELETE", copy_id)


def test_bidi_controls_in_an_id_are_shown_and_deleting_deletes_exactly_that_item(
    driver: WebDriver, url: str, console_stack: RunningStack, screenshots: Path
) -> None:
    spoof = "bidi-\u202egnp.exe"  # reads as "bidi-exe.png" where the override is obeyed
    lookalike = "bidi-exe.png"
    visible = "bidi-⟨U+202E⟩gnp.exe"
    for item in (spoof, lookalike):
        assert _api(console_stack, "PUT", item, '{"note": "\\u2066isolated\\u2069"}').status == 201
    try:
        page = _console(driver, url, page_size=250, items=ITEM_COUNT + 2)
        page.filter("bidi-")
        page.wait(lambda: sorted(page.row_ids()) == sorted([spoof, lookalike]), "the filter to find both items")
        rows: dict[str, list[str]] = driver.execute_script(
            """return Object.fromEntries([...document.querySelectorAll('#items-body tr')].map((row) => [
                row.dataset.id,
                [row.querySelector('button').textContent, row.querySelector('button').title,
                 ...[...row.querySelectorAll('.hidden-char')].map((mark) => mark.textContent)],
            ]));"""
        )
        assert rows[spoof] == [visible, f"Open {visible}", "⟨U+202E⟩", "⟨U+2066⟩", "⟨U+2069⟩"]
        assert rows[lookalike] == ["bidi-exe.png", "Open bidi-exe.png", "⟨U+2066⟩", "⟨U+2069⟩"]
        assert page.cell(spoof, "note") == "⟨U+2066⟩isolated⟨U+2069⟩"
        # Marked apart from the text around it, and no control character left in what the page shows.
        mark = driver.find_element(By.CSS_SELECTOR, "#items-body .hidden-char")
        assert mark.value_of_css_property("border-top-style") == "dashed"
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", driver.execute_script("return document.body.innerText"))

        page.open_item(spoof)
        assert page.text("editor-title") == visible
        assert '"id": "bidi-\\u202egnp.exe"' in page.json()  # the editor's JSON escapes it: the same string
        driver.save_screenshot(str(screenshots / "console-bidi.png"))

        # Someone changes it meanwhile: the conflict names it visibly too.
        assert _api(console_stack, "PATCH", spoof, '{"note": "changed"}').status == 200
        page.click("delete")
        page.wait(lambda: page.visible("confirm"), "the confirmation")
        assert page.text("confirm-text") == f"Delete the item “{visible}”? This cannot be undone."
        page.click("confirm-ok")
        page.wait(lambda: page.visible("conflict"), "the conflict on delete")
        assert page.text("conflict-text").startswith(f"Someone else changed “{visible}” after you opened version")
        page.click("conflict-overwrite")
        assert page.wait_for_message("Deleted") == f"Deleted “{visible}”."
        assert _api(console_stack, "GET", spoof).status == 404
        assert _api(console_stack, "GET", lookalike).status == 200
    finally:
        for item in (spoof, lookalike):
            _api(console_stack, "DELETE", item)
