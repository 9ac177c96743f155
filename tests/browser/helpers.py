"""Small helpers the browser tests share: dates as the pages print them, common locators."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any


def day(value: datetime | None = None) -> str:
    """A date as the pages print it without the time: ``Aug 29, 2018`` (UTC)."""
    value = value or datetime.now(timezone.utc)
    return f"{value:%b} {value.day}, {value.year}"


def today_pattern() -> re.Pattern[str]:
    """Today's date, or yesterday's when a test runs across midnight UTC."""
    from datetime import timedelta

    now = datetime.now(timezone.utc)
    return re.compile("|".join(re.escape(day(d)) for d in (now, now - timedelta(minutes=5))))


def order_row(page: Any, number: str) -> Any:
    """The row of the order list or of the Messages section for order ``#<number>``."""
    return page.locator("tbody tr").filter(
        has=page.get_by_role("link", name=f"#{number}", exact=True)
    )


def row_numbers(page: Any) -> list[str]:
    """The order numbers of the rows of the list on the page, in order."""
    links = page.locator("tbody tr .om-order a, tbody tr a.order-link")
    return [text.strip() for text in links.all_inner_texts()]


def bell_count(page: Any, name: str) -> Any:
    """One of the numbers on the bell itself: "unread_threads" or "open_disputes" (the menu's
    pills repeat them)."""
    return page.locator(f'.om-bell summary [data-om-count="{name}"]')


def count(page: Any, name: str) -> int:
    """The bell's number ``name`` now (also while its menu is closed)."""
    return int(bell_count(page, name).text_content() or "0")


def open_messages_tab(page: Any, number: str) -> None:
    """From "My orders": the order, then its Messages tab (as a customer clicks it)."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My orders").click()
    page.get_by_role("link", name=f"#{number}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Order #{number}")).to_be_visible()
    page.get_by_role("navigation", name="Order sections").get_by_role(
        "link", name=re.compile("^Messages")
    ).click()
    expect(page.locator("#order-messages")).to_be_visible()


def page_width(page: Any) -> int:
    """How wide the document is: more than the window means horizontal scrolling.  Measured
    once the page has loaded: an action that navigates returns when the new page commits, and
    on a busy machine its style sheet could still be on the way (an unstyled mail page
    measured 642 px on a 375 px phone)."""
    page.wait_for_load_state("load")
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


UNREAD = re.compile(r"\bom-unread\b")
HAS_UNREAD = re.compile(r"\bhas-unread\b")


def sized_page(browser: Any, shop: Any, width: int, height: int, user: str, language: str) -> Any:
    """A page ``width`` x ``height`` (a phone's below 700 px: mobile, touch) on ``shop``,
    logged in through the shop's form as ``user`` and, unless ``language`` is "en", switched
    to it with the shop's language selector."""
    from playwright.sync_api import expect

    from .conftest import USERS

    context = browser.new_context(
        base_url=shop.base_url,
        locale="en-US",
        timezone_id="UTC",
        viewport={"width": width, "height": height},
        is_mobile=width < 700,
        has_touch=width < 700,
    )
    page = context.new_page()
    email, password, _name = USERS[user]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()
    if language != "en":
        page.locator("#shop-language").select_option(language)
        page.locator(".language-go").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    return page
