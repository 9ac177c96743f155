"""The example shop's header at a desktop's and a phone's width, in English and German: every
link, the brand and the forms in it are shown whole (the header wraps rather than clipping),
and nothing of the shop's layout is wider than the window (no sideways scrolling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import live_shop
from .helpers import sized_page
from .recipes import AXE_TAGS_22, axe_violations

#: Whatever in the header is cut short: an element whose content is wider than its box, or
#: that reaches past the window's edges.
CLIPPED = """(width) => {
  const found = [];
  const header = document.querySelector('header.topbar');
  const items = header.querySelectorAll(
    '.brand, .brand-name, .nav, .nav a, .userbox, .userbox button, .language-form, .header-note a'
  );
  for (const el of [header, ...items]) {
    const box = el.getBoundingClientRect();
    const name = el.className || el.tagName;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline')
      found.push(`${name}: ${el.scrollWidth} > ${el.clientWidth}`);
    if (box.left < -1 || box.right > width + 1) found.push(`${name}: ${box.left}..${box.right}`);
  }
  return found;
}"""

SIZES = {"desktop": (1280, 800), "tablet": (800, 900), "phone": (390, 844), "narrow": (320, 640)}


@pytest.fixture
def demo_shop(seeded_database: Path, tmp_path: Path) -> Any:
    # The demo's mail sink port makes the admin header link "Mailbox (demo)" as in `make demo`.
    with live_shop(seeded_database, tmp_path, {"DEMO_MAIL_SINK_PORT": 8025}) as live:
        yield live


def _page(browser: Any, shop: Any, size: str, user: str, language: str) -> Any:
    width, height = SIZES[size]
    return sized_page(browser, shop, width, height, user, language)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("admin", "/order-messages/admin/messages"),
        ("admin", "/admin/orders"),
        ("carol", "/account/orders"),
    ],
    ids=["admin-messages", "admin-orders", "customer-orders"],
)
def test_the_header_shows_everything_whole_and_fits(
    browser: Any, demo_shop: Any, user: str, path: str, size: str, language: str
) -> None:
    page = _page(browser, demo_shop, size, user, language)
    try:
        page.goto(path)
        width = SIZES[size][0]
        assert page.evaluate(CLIPPED, width) == []
        header_width = page.evaluate("() => document.querySelector('header.topbar').scrollWidth")
        assert header_width <= width
        for link in page.locator("header.topbar .nav a").all():
            expect(link).to_be_visible()
        if user == "admin":
            expect(page.locator(".nav a[href$='/admin/mailbox/']")).to_be_visible()
        # Every page at every width, the extension's Messages page (its list a card per
        # thread below a table's width) included.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, path
        if size == "phone" and language == "de":
            assert axe_violations(page, tags=AXE_TAGS_22) == []
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("user", "path"), [("carol", "/account/orders"), ("admin", "/admin/orders")]
)
def test_the_first_tab_shows_skip_to_main_content(
    browser: Any, demo_shop: Any, user: str, path: str
) -> None:
    page = _page(browser, demo_shop, "phone", user, "en")
    try:
        page.goto(path)
        skip = page.get_by_role("link", name="Skip to main content")
        assert skip.bounding_box()["y"] < 0  # out of sight until it has the focus
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0 and box["x"] >= 0 and box["width"] > 40
        assert axe_violations(page, tags=AXE_TAGS_22) == []
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        page.keyboard.press("Tab")  # on from the content, not from the header
        in_header = page.evaluate("() => !!document.activeElement.closest('header')")
        assert not in_header
    finally:
        page.context.close()
