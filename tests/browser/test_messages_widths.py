"""The extension's staff Messages list at a narrow phone's, a phone's and a tablet's width
(320, 390, 768 px): the page never scrolls sideways -- the list is a card per thread while
its box is narrower than the table needs -- every row still shows who, what and when, and
axe-core finds nothing.  Screenshots: the whole page and the first rows in the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import live_shop
from .helpers import sized_page
from .recipes import AXE_TAGS_22, axe_violations

MESSAGES = "/order-messages/admin/messages?status=all"

#: What is shown and reaches past the window's edges (a closed menu is not shown).
OVERFLOW = """(width) => {
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1))
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${box.left}..${box.right}`);
  }
  return found.slice(0, 12);
}"""

#: The cells each row shows (the example shop has response targets and the team inbox on).
CELLS = ("om-order", "om-customer", "om-latest", "om-reply-due", "om-assignee", "om-status")


@pytest.fixture(scope="module")
def demo_shop(seeded_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One shop for the module: its tests only look at the Messages list (the language is
    each page's session's)."""
    with live_shop(seeded_database, tmp_path_factory.mktemp("widths")) as live:
        yield live


def _page(browser: Any, shop: Any, width: int, language: str) -> Any:
    return sized_page(browser, shop, width, 900, "admin", language)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("width", [320, 390, 768])
def test_the_messages_list_fits_the_window_and_passes_axe(
    browser: Any, demo_shop: Any, shots: Any, width: int, language: str
) -> None:
    page = _page(browser, demo_shop, width, language)
    try:
        page.goto(MESSAGES)
        rows = page.locator("tr.om-row")
        expect(rows.first).to_be_visible()
        shots.take(page, f"{language} {width}px")
        rows.first.scroll_into_view_if_needed()
        shots.take(page, f"{language} {width}px first rows", full_page=False)
        # A phone's browser widens its layout to whatever overflows: the window must stay the
        # device's width, and nothing reach past it.
        assert page.evaluate("() => window.innerWidth") == width
        assert page.evaluate(OVERFLOW, width) == []
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
        # Nor does the list scroll inside its own box: it is cards here, not a table.
        wrap = page.locator(".om-table-wrap")
        assert wrap.evaluate("(el) => el.scrollWidth <= el.clientWidth")
        # No column headers over the cards; "Select all on this page" stays, and works.
        for header in page.locator(".om-table thead th:not(.om-check)").all():
            expect(header).to_be_hidden()
        select_all = page.locator("thead input[data-om-select-all]")
        expect(select_all).to_be_visible()
        select_all.check()
        expect(page.locator("tbody input[name=thread_id]:not(:checked)")).to_have_count(0)
        select_all.uncheck()
        # Each row still says who, what, whose and when, its labels in words.
        first = rows.first
        for cell in CELLS:
            expect(first.locator(f"td.{cell}")).to_be_visible()
        expect(first.locator("td.om-date time")).to_be_visible()
        box = first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        label = first.locator("td.om-assignee").evaluate(
            "(el) => getComputedStyle(el, '::before').content"
        )
        assert label == ('"Assigned to: "' if language == "en" else '"Zugewiesen an: "')
        assert axe_violations(page, tags=AXE_TAGS_22) == []
    finally:
        page.context.close()


def test_a_desktop_keeps_the_table(browser: Any, demo_shop: Any, shots: Any) -> None:
    """At 1280 px the list is the table, with its column headers, inside its box."""
    page = _page(browser, demo_shop, 1280, "de")
    try:
        page.goto(MESSAGES)
        expect(page.locator(".om-table thead")).to_be_visible()
        shots.take(page, "de 1280px", full_page=False)
        assert page.locator(".om-table-wrap").evaluate("(el) => el.scrollWidth <= el.clientWidth")
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
        assert axe_violations(page, tags=AXE_TAGS_22) == []
    finally:
        page.context.close()
