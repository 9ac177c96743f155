"""The Flask-Admin recipe in Chromium: a customer writes, staff see the bell in Flask-Admin's
navbar, open Messages from its menu, answer on the order's Flask-Admin details page, and the
customer reads the answer.  axe checks every page on the way."""

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

require("flask_admin")


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[LiveShop]:
    """The recipe instead of the example shop, for ``browse``."""
    from example_shop.recipes.admin_shop import create_app
    from example_shop.recipes.admin_shop.models import db

    with serve(create_app(recipe_config(tmp_path)), db) as live:
        yield live


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


#: Flask-Admin's base.html writes a bare ``<html>`` outside any block: no ``lang`` a recipe
#: could set short of copying the whole file.
FLASK_ADMIN_OWN = ("html-has-lang",)


def check(page: Any, shots: Any, step: str, *, flask_admin: bool = False) -> None:
    shots.take(page, step)
    violations = axe_violations(page, disable=FLASK_ADMIN_OWN if flask_admin else ())
    assert not violations, f"{step}:\n" + "\n".join(violations)


def test_customer_writes_staff_answers_in_flask_admin(browse: Any, shots: Any) -> None:
    page = browse.page("desktop", label="browser")
    page.goto("/login")
    check(page, shots, "login")

    log_in(page, "carol@example.com", "carol1234")
    expect(page).to_have_url(re.compile(r"/orders$"))
    check(page, shots, "my orders")
    page.get_by_role("link", name="#A-2001", exact=True).click()
    question = "Does the kettle work on an induction hob?"
    page.get_by_placeholder("Write your message here").fill(question)
    page.get_by_role("button", name="Send", exact=True).click()
    thread = page.locator("#order-messages")
    expect(thread.locator(".om-entry").last).to_contain_text(question)
    check(page, shots, "customer wrote")
    log_out(page)

    # Staff land in Flask-Admin: the bell sits in its navbar.
    log_in(page, "admin@example.com", "admin1234")
    expect(page).to_have_url(re.compile(r"/admin/orders/$"))
    navbar = page.locator("nav.navbar")
    expect(navbar.locator(".om-bell")).to_be_visible()
    expect(bell_count(page, "unread_threads")).to_have_text("1")
    expect(order_row(page, "A-2001").locator(".om-unread-badge")).to_have_text("1 unread message")
    check(page, shots, "flask-admin orders with bell", flask_admin=True)
    navbar.locator(".om-bell summary").click()
    link = navbar.locator(".om-bell-menu").get_by_role("link", name=re.compile("^Messages"))
    expect(link).to_be_visible()
    # The menu is a white popup: Bootstrap's white navbar links must not reach its links.
    assert link.evaluate("a => getComputedStyle(a).color") != "rgb(255, 255, 255)"
    shots.take(page, "bell open", full_page=False)
    navbar.locator(".om-bell summary").click()

    # Messages, a menu item of Flask-Admin: the extension's section in Flask-Admin's layout.
    navbar.get_by_role("link", name="Messages", exact=True).click()
    expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    expect(navbar.locator("li.active")).to_have_text(re.compile(r"^\s*Messages\s*$"))
    row = order_row(page, "A-2001")
    expect(row).to_contain_text(question)
    check(page, shots, "messages section in flask-admin", flask_admin=True)

    # The row opens the order's Flask-Admin details page, the thread under its fields.
    row.get_by_role("link", name="#A-2001", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+.*#order-messages$"))
    expect(thread.locator(".om-entry").last).to_contain_text(question)
    answer = "Yes, it works on induction and gas alike."
    page.get_by_placeholder("Write your message here").fill(answer)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/details/"))
    expect(thread.locator(".om-entry").last).to_contain_text(answer)
    expect(bell_count(page, "unread_threads")).to_have_text("0")
    check(page, shots, "staff answered on details page", flask_admin=True)
    log_out(page)

    log_in(page, "carol@example.com", "carol1234")
    expect(page.locator(".om-customer-header")).to_contain_text("1 unread message")
    page.get_by_role("link", name="#A-2001", exact=True).click()
    last = thread.locator(".om-entry").last
    expect(last).to_contain_text(answer)
    expect(last).to_contain_text("Ada Admin")
    check(page, shots, "customer reads the answer")
