"""Replying by mail, as the demo lets a person try it: a customer writes, staff open the mail
the shop delivered to the demo's mail sink on Mailbox (demo), answer it as a mail client
would (the quoted mail below their words), and the customer's order page shows only the
answer.  axe-core checks every page on the way (WCAG 2.2 A and AA)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..smtp_server import free_port
from .conftest import LiveShop, live_shop
from .helpers import open_messages_tab, page_width
from .recipes import AXE_TAGS_22, axe_violations

QUESTION = "Could you gift-wrap the kettle? It is a birthday present."
ANSWER = "Of course, we will wrap it in brown paper with a red ribbon."


@pytest.fixture
def shop(seeded_database: Path, tmp_path: Path) -> Iterator[LiveShop]:
    """The seeded shop as ``flask demo`` serves it: its mail goes to the demo's mail sink."""
    from example_shop.demo_mail import demo_mail_config, start_sink

    port = free_port()
    with live_shop(seeded_database, tmp_path, demo_mail_config(port)) as live:
        sink = start_sink(live.app, port)
        try:
            yield live
        finally:
            sink.stop()


def until_shown(page: Any, shown: Any, seconds: float = 30) -> None:
    """Reload ``page`` until ``shown()`` or ``seconds`` passed (the caller's expect says why)."""
    deadline = time.monotonic() + seconds
    while not shown() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.reload()


def accessible(page: Any) -> None:
    assert axe_violations(page, tags=AXE_TAGS_22) == []


def test_reply_by_mail_from_the_demo_mailbox(browse, shots):
    carol = browse.page("desktop", user="carol")
    open_messages_tab(carol, "00001")
    carol.get_by_label("Contact us about this order").fill(QUESTION)
    carol.get_by_role("button", name="Send", exact=True).click()
    thread = carol.locator("#order-messages")
    expect(thread.locator(".om-entry")).to_contain_text(QUESTION)

    # Staff: Mailbox (demo) lists the notification the sink caught, newest first.
    admin = browse.page("desktop", user="admin")
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Mailbox (demo)").click()
    expect(admin.get_by_role("heading", name="Mailbox (demo)", level=1)).to_be_visible()
    row = admin.locator("tbody tr").filter(has_text="admin@example.com")
    # The mail goes once Carol's page has its answer: a moment later (seconds on a busy CI).
    until_shown(admin, lambda: row.count() == 1)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Messages about order #00001")
    accessible(admin)
    shots.take(admin, "mailbox")

    # One mail: its headers, its text, and the reply form, reached by keyboard.
    row.get_by_role("link", name="Messages about order #00001").click()
    expect(admin.get_by_role("heading", name="Messages about order #00001")).to_be_visible()
    headers = admin.locator(".mail-headers")
    expect(headers).to_contain_text("admin@example.com")
    expect(headers).to_contain_text(
        re.compile(r"Reply-To\s*reply\+[a-z0-9-]+@reply\.shop\.example")
    )
    expect(admin.locator(".mail-text")).to_contain_text(QUESTION)
    accessible(admin)
    shots.take(admin, "one mail")

    admin.get_by_role("link", name="View the HTML version").click()
    frame = admin.frame_locator("iframe.mail-frame")
    expect(frame.locator("body")).to_contain_text(QUESTION)
    accessible(admin)
    shots.take(admin, "html version")
    admin.go_back()

    box = admin.get_by_label("Your reply")
    box.focus()
    admin.keyboard.type(ANSWER)
    admin.keyboard.press("Tab")
    expect(admin.get_by_role("button", name="Send reply")).to_be_focused()
    admin.keyboard.press("Enter")
    result = admin.locator(".mail-result")
    expect(result.get_by_role("heading")).to_have_text("Your reply was posted into the thread")
    expect(result.locator(".mail-posted")).to_have_text(ANSWER)  # the quoted mail left out
    accessible(admin)
    shots.take(admin, "reply posted")

    result.get_by_role("link", name="Open the thread").click()
    staff_thread = admin.locator("#order-messages")
    expect(staff_thread.locator(".om-entry").last).to_contain_text(ANSWER)

    # Carol's order page shows the answer, from Admin Admin, without the quoted history.
    carol.reload()
    answer = carol.locator("#order-messages .om-entry").last
    expect(answer).to_contain_text(ANSWER)
    expect(answer).to_contain_text("Admin Admin")
    expect(answer).not_to_contain_text("wrote:")
    expect(answer).not_to_contain_text(QUESTION)
    accessible(carol)
    shots.take(carol, "answer on the order page")


def test_mailbox_on_a_phone(browse, shots):
    carol = browse.page("phone", user="carol")
    open_messages_tab(carol, "00001")
    carol.get_by_label("Contact us about this order").fill(QUESTION)
    carol.get_by_role("button", name="Send", exact=True).click()
    expect(carol.locator("#order-messages .om-entry")).to_contain_text(QUESTION)

    admin = browse.page("phone", user="admin")
    admin.goto("/admin/mailbox/")
    link = admin.get_by_role("link", name="Messages about order #00001")
    until_shown(admin, lambda: link.count() == 2)
    expect(link).to_have_count(2)
    assert page_width(admin) <= 375
    accessible(admin)
    shots.take(admin, "mailbox")
    link.first.click()
    expect(admin.get_by_label("Your reply")).to_be_visible()
    assert page_width(admin) <= 375
    accessible(admin)
    shots.take(admin, "one mail")
