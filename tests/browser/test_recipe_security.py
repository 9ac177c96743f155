"""The Flask-Security-Too recipe in Chromium: a customer writes through the shop's pages after
logging in on Flask-Security's login page, staff see the bell, answer from the shop's own
admin, and the customer reads the answer.  axe checks every page on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..recipe_support import require
from .conftest import LiveShop
from .helpers import bell_count, order_row
from .recipes import axe_violations, recipe_config, serve

require("flask_security")


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[LiveShop]:
    """The recipe instead of the example shop, for ``browse``."""
    from example_shop.recipes.security_shop import create_app
    from example_shop.recipes.security_shop.models import db

    with serve(create_app(recipe_config(tmp_path)), db) as live:
        yield live


def log_in(page: Any, email: str, password: str) -> None:
    """On Flask-Security-Too's own login page."""
    page.goto("/login")
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def check(page: Any, shots: Any, step: str) -> None:
    shots.take(page, step)
    violations = axe_violations(page)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def test_customer_writes_staff_answers(browse: Any, shots: Any) -> None:
    page = browse.page("desktop", label="browser")
    page.goto("/")
    check(page, shots, "front page")
    page.goto("/login")
    check(page, shots, "flask-security login")

    # The customer writes on their order.
    log_in(page, "carol@example.com", "carol1234")
    expect(page).to_have_url(re.compile(r"/orders$"))
    check(page, shots, "my orders")
    page.get_by_role("link", name="#S-1001", exact=True).click()
    expect(page.get_by_role("heading", name="Order #S-1001")).to_be_visible()
    question = "Could the kettle come gift-wrapped, please?"
    page.get_by_placeholder("Write your message here").fill(question)
    page.get_by_role("button", name="Send", exact=True).click()
    thread = page.locator("#order-messages")
    expect(thread.locator(".om-entry").last).to_contain_text(question)
    check(page, shots, "customer wrote")
    log_out(page)

    # Staff: the bell counts it; the Messages section lists it; the shop's order page answers.
    log_in(page, "admin@example.com", "admin1234")
    expect(page).to_have_url(re.compile(r"/admin/orders$"))
    expect(bell_count(page, "unread_threads")).to_have_text("1")
    check(page, shots, "admin orders with bell")
    page.locator(".om-bell summary").click()
    menu = page.locator(".om-bell-menu")
    expect(menu.get_by_role("link", name=re.compile("^Messages"))).to_be_visible()
    # axe leaves a floating menu's contrast undecided: the links must not be the header's white.
    link = menu.get_by_role("link", name=re.compile("^Messages"))
    assert link.evaluate("a => getComputedStyle(a).color") != "rgb(255, 255, 255)"
    shots.take(page, "bell open", full_page=False)
    page.locator(".om-bell summary").click()
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    row = order_row(page, "S-1001")
    expect(row).to_contain_text(question)
    check(page, shots, "messages section")
    row.get_by_role("link", name="#S-1001", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/\d+\?tab=messages#order-messages$"))
    expect(thread.locator(".om-entry").last).to_contain_text(question)
    answer = "Of course, free of charge. It ships tomorrow."
    page.get_by_placeholder("Write your message here").fill(answer)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(thread.locator(".om-entry").last).to_contain_text(answer)
    expect(bell_count(page, "unread_threads")).to_have_text("0")
    check(page, shots, "staff answered")
    log_out(page)

    # The customer sees the answer, signed by the store, never by the staff member's address.
    log_in(page, "carol@example.com", "carol1234")
    expect(order_row(page, "S-1001").locator(".om-unread-badge")).to_have_text("1 unread message")
    page.get_by_role("link", name="#S-1001", exact=True).click()
    last = thread.locator(".om-entry").last
    expect(last).to_contain_text(answer)
    expect(last).to_contain_text("Store team")
    expect(page.locator("body")).not_to_contain_text("admin@example.com")
    check(page, shots, "customer reads the answer")
