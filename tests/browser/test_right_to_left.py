"""Right to left: with a Hebrew locale the extension's markup says ``dir="rtl"`` and mirrors.

The example shop offers Hebrew here (``SHOP_LANGUAGES``); no catalogue is needed, English
words in a right-to-left layout show the layout.  Each side sees its own messages at the
line's end: on the right in English, on the left in Hebrew.  axe-core checks both pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from example_shop.language import LANGUAGES

from .conftest import LiveShop, live_shop
from .recipes import AXE_TAGS_22, axe_violations


@pytest.fixture
def shop(seeded_database: Path, tmp_path: Path) -> Iterator[LiveShop]:
    config = {"SHOP_LANGUAGES": {**LANGUAGES, "he": "עברית"}}
    with live_shop(seeded_database, tmp_path, config) as live:
        yield live


def choose_language(page: Any, code: str) -> None:
    """The header's language form, as a person uses it."""
    page.get_by_label("Language").first.select_option(code)
    page.get_by_role("button", name="Change").first.click()
    expect(page.locator("html")).to_have_attribute("lang", code)


#: Where the words of an element begin and end on the screen (its block may be wider).
TEXT_EDGES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const box = range.getBoundingClientRect();
  return [box.left, box.right];
}"""


def centre(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None
    return float(box["x"] + box["width"] / 2)


def sides(page: Any, mine: str, theirs: str) -> tuple[float, float, float]:
    """The middle of the thread, of the viewer's first own bubble and of the other side's."""
    thread = page.locator("#order-messages .om-entries").first
    own = page.locator(f"#order-messages .om-entry.{mine}").first
    other = page.locator(f"#order-messages .om-entry.{theirs}").first
    expect(own).to_be_visible()
    expect(other).to_be_visible()
    return centre(thread), centre(own), centre(other)


def check_mirrored(page: Any, path: str, mine: str, theirs: str, shot: Path) -> None:
    page.goto(path)
    middle, own, other = sides(page, mine, theirs)
    assert own > middle > other  # English: own messages on the right
    assert page.locator("#order-messages").get_attribute("dir") == "ltr"

    choose_language(page, "he")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    thread = page.locator("#order-messages")
    expect(thread).to_have_attribute("dir", "rtl")
    middle, own, other = sides(page, mine, theirs)
    assert own < middle < other  # Hebrew: mirrored, own messages on the left
    # The reply box's label starts at the right edge now (its words, not its block).
    frame = thread.bounding_box()
    assert frame is not None
    left, right = page.locator("#order-messages .om-reply .om-label").first.evaluate(TEXT_EDGES)
    assert frame["x"] + frame["width"] - right < left - frame["x"]
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert axe_violations(page, tags=AXE_TAGS_22) == []


def test_staff_thread_mirrors_in_hebrew(browse, tmp_path):
    admin = browse.page("desktop", user="admin")
    path = "/admin/orders/5?tab=messages"
    check_mirrored(admin, path, "om-staff", "om-customer", tmp_path / "rtl-staff-thread.png")
    # The extension's own page and the bell, in the same language.
    admin.goto("/order-messages/admin/messages")
    expect(admin.locator(".om-page").first).to_have_attribute("dir", "rtl")
    expect(admin.locator(".om-bell")).to_have_attribute("dir", "rtl")
    assert axe_violations(admin, tags=AXE_TAGS_22) == []


def test_customer_tab_mirrors_in_hebrew(browse, tmp_path):
    carol = browse.page("desktop", user="carol")
    path = "/account/orders/5?tab=messages"
    check_mirrored(carol, path, "om-customer", "om-staff", tmp_path / "rtl-customer-tab.png")
