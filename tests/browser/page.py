"""The console as the tests see it: what a person reads and what they click or type, in one browser tab."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TypeVar

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from dynamodbmanager.cli.output import HIDDEN_CATEGORIES

T = TypeVar("T")
#: Seconds to wait for the page to reach a state; generous for a shared, busy machine.
PATIENCE = 20


def shown(text: str) -> str:
    """``text`` as the console shows it: each invisible or control character written out as ``⟨U+XXXX⟩``."""
    return "".join(f"⟨U+{ord(char):04X}⟩" if unicodedata.category(char) in HIDDEN_CATEGORIES else char for char in text)


class ConsolePage:
    """One tab of the console, addressed by its elements' ids."""

    def __init__(self, driver: WebDriver, handle: str) -> None:
        self.driver = driver
        self.handle = handle

    @classmethod
    def open(cls, driver: WebDriver, url: str, *, new_tab: bool = False) -> ConsolePage:
        """Load the console at ``url`` in the current tab, or in a new one."""
        if new_tab:
            driver.switch_to.new_window("tab")
        driver.get(url)
        page = cls(driver, driver.current_window_handle)
        page.wait(lambda: page.text("count") != "Loading…", "the first page to load or fail")
        return page

    def focus(self) -> ConsolePage:
        """Make this tab the one the driver acts on."""
        self.driver.switch_to.window(self.handle)
        return self

    def wait(self, condition: Callable[[], T], what: str, now: Callable[[], object] | None = None) -> T:
        """Wait until ``condition()`` is truthy and return it; on timeout, say what was awaited and what is shown."""
        wait = WebDriverWait(self.driver, PATIENCE, ignored_exceptions=(StaleElementReferenceException,))
        try:
            return wait.until(lambda _driver: condition())
        except TimeoutException:
            shown = f" (shown instead: {now()!r})" if now is not None else ""
            raise AssertionError(f"waited {PATIENCE} s for {what}{shown}") from None

    def element(self, element_id: str) -> WebElement:
        """The element with this id."""
        return self.driver.find_element(By.ID, element_id)

    def text(self, element_id: str) -> str:
        """The visible text of an element."""
        return self.element(element_id).text

    def click(self, element_id: str) -> None:
        """Click an element by id."""
        self.element(element_id).click()

    def visible(self, element_id: str) -> bool:
        """Whether the element is shown."""
        return self.element(element_id).is_displayed()

    # ---- The table. ----

    def count(self) -> str:
        """The line that says what is shown."""
        return self.text("count")

    def row_ids(self) -> list[str]:
        """The ids of the rows shown, top to bottom (read in one script, so a re-render cannot interleave)."""
        ids: list[str] = self.driver.execute_script(
            "return [...document.querySelectorAll('#items-body tr')].map((row) => row.dataset.id)"
        )
        return ids

    def headers(self) -> list[str]:
        """The column headers."""
        names: list[str] = self.driver.execute_script(
            "return [...document.querySelectorAll('#items-head th')].map((cell) => cell.textContent)"
        )
        return names

    def _cell_part(self, item_id: str, column: str, part: str) -> str | None:
        """The text of one part (``.value``, ``.type``) of a cell, or of the whole cell when it has no such part."""
        text: str | None = self.driver.execute_script(
            """const [id, column, part] = arguments;
            const names = [...document.querySelectorAll('#items-head th')].map((cell) => cell.textContent);
            const row = [...document.querySelectorAll('#items-body tr')].find((found) => found.dataset.id === id);
            if (!row) return null;
            const cell = row.cells[names.indexOf(column)];
            const found = cell.querySelector(part);
            return found ? found.textContent : part === '.type' ? '' : cell.textContent;""",
            item_id,
            column,
            part,
        )
        return text

    def cell(self, item_id: str, column: str) -> str | None:
        """The value in ``column`` of the row of ``item_id`` as the page holds it (even clipped); None without a row."""
        return self._cell_part(item_id, column, ".value")

    def cell_type(self, item_id: str, column: str) -> str | None:
        """The type badge in ``column`` of the row of ``item_id`` ('' without one); None without a row."""
        return self._cell_part(item_id, column, ".type")

    def wait_for_count(self, expected: str) -> None:
        """Wait until the count line reads ``expected``."""
        self.wait(lambda: self.count() == expected, f"the count to read {expected!r}", self.count)

    def use_key(self, key: str) -> None:
        """Type the API key and use it; the first page loads again."""
        field = self.element("api-key")
        field.clear()
        field.send_keys(key)
        self.click("use-key")

    def page_size(self, size: int) -> None:
        """Choose how many items a page holds."""
        Select(self.element("page-size")).select_by_visible_text(str(size))

    def filter(self, text: str) -> None:
        """Type into the filter box, replacing what was there."""
        field = self.element("filter")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        if text:
            field.send_keys(text)

    # ---- The query bar. ----

    def query(
        self,
        partition: str,
        *,
        index: str | None = None,
        condition: str = "",
        value: str = "",
        upper: str = "",
        descending: bool = False,
    ) -> None:
        """Query a partition of the table (or of ``index``), with a sort key ``condition`` (``begins_with``, ...)."""
        target = Select(self.element("query-target"))
        prefix = f"{index} · " if index else "Table · "
        target.select_by_index(next(i for i, o in enumerate(target.options) if o.text.startswith(prefix)))
        self.type_into("query-pk", partition)
        if self.element("query-op").is_enabled():
            Select(self.element("query-op")).select_by_value(condition)
            if condition:
                self.type_into("query-value", value)
            if condition == "between":
                self.type_into("query-value2", upper)
            Select(self.element("query-order")).select_by_value("desc" if descending else "asc")
        self.element("query-pk").send_keys(Keys.ENTER)

    def type_into(self, element_id: str, text: str) -> None:
        """Replace the text of an input field by typing ``text``."""
        field = self.element(element_id)
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        field.send_keys(text)

    def wait_for_rows(self, expected: list[str]) -> None:
        """Wait until the rows, top to bottom, are the items named ``expected`` (their key values)."""
        self.wait(lambda: self.row_ids() == expected, f"the rows {expected}", self.row_ids)

    # ---- The editor. ----

    def open_item(self, item_id: str) -> None:
        """Open an item from its row, with the keyboard, and wait for its JSON."""
        button = self.driver.find_element(By.CSS_SELECTOR, f'#items-body tr[data-id="{item_id}"] button')
        button.send_keys(Keys.ENTER)
        title = shown(item_id)
        self.wait(lambda: self.visible("editor") and self.text("editor-title") == title, f"{title} to open")

    def view(self, name: str) -> None:
        """Switch the editor to the "Plain JSON" or the "DynamoDB JSON" view."""
        self.click("view-dynamodb" if name == "DynamoDB JSON" else "view-plain")
        self.wait(lambda: self.current_view() == name, f"the {name} view")

    def current_view(self) -> str:
        """The name of the view the editor shows."""
        pressed = self.driver.find_element(By.CSS_SELECTOR, '.views button[aria-pressed="true"]')
        return pressed.text

    def types(self) -> dict[str, str]:
        """Each attribute of the item in the editor and the type its badge names, in order."""
        pairs: list[tuple[str, str]] = self.driver.execute_script(
            """return [...document.querySelectorAll('#attribute-types li')]
                .map((entry) => [entry.dataset.name, entry.querySelector('.type').textContent]);"""
        )
        return dict(pairs)

    def json(self) -> str:
        """The text in the editor."""
        return self.element("item-json").get_attribute("value") or ""

    def type_json(self, text: str) -> None:
        """Replace the editor's text by typing ``text``."""
        area = self.element("item-json")
        area.send_keys(Keys.CONTROL, "a")
        area.send_keys(Keys.DELETE)
        area.send_keys(text)

    def message(self) -> str:
        """The message shown at the top, or '' when none is."""
        return self.text("message-text") if self.visible("message") else ""

    def wait_for_message(self, starts: str) -> str:
        """Wait for a message that starts with ``starts`` and return it whole."""
        return self.wait(
            lambda: self.message() if self.message().startswith(starts) else "",
            f"a message starting {starts!r}",
            self.message,
        )

    def meta(self) -> str:
        """The line under the editor's title (the version)."""
        return self.text("editor-meta")
