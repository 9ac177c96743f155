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
    """One of the bell's numbers: "total", "unread_threads" or "open_disputes"."""
    return page.locator(f'.om-bell [data-om-count="{name}"]')


def no_horizontal_scroll(page: Any) -> tuple[int, int]:
    """(document width, window width) of the page."""
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )


UNREAD = re.compile(r"\bom-unread\b")
HAS_UNREAD = re.compile(r"\bhas-unread\b")
