"""A long thread folds its middle, and the folded entries can be read without JavaScript: the
folded page does not hold them (a long thread renders its first and last entries only), and
the fold is a link to the page with the middle open (``?om_unfold=1``, a ``<details open>``),
followed by a click or by the keyboard in a browser with JavaScript off; the page passes
axe-core's WCAG 2.2 AA check folded and unfolded."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flask_order_messages import customer_actor

from .. import committing as services
from .recipes import AXE_TAGS_22, axe_violations

pytestmark = pytest.mark.browser

MESSAGES = 20  # over the default FOLD_THRESHOLD (12): 2 shown first, 6 last, 12 folded


def long_thread(shop: Any) -> int:
    """A new order of Carol's with a thread of MESSAGES of her messages (all read by her)."""
    from example_shop.models import Order, User, db

    with shop.app.test_request_context("/"):
        carol = db.session.scalar(sa.select(User).where(User.email == "carol@example.com"))
        order = Order(customer_id=carol.id, status="paid")
        db.session.add(order)
        db.session.commit()
        for n in range(1, MESSAGES + 1):
            services.post_message(order, customer_actor(carol), f"Message number {n}.")
        return int(order.id)


def tab_to(page: Any, locator: Any, most: int = 120) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would (no script of the
    page's own asked: JavaScript is off)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        try:
            expect(locator).to_be_focused(timeout=100)
            return
        except AssertionError:
            continue
    raise AssertionError(f"Tab never reached {locator}")


def test_the_folded_middle_opens_without_javascript(browse, shop, shots):
    order_id = long_thread(shop)
    page = browse.page(user="carol", js=False, label="carol-nojs")
    page.goto(f"/account/orders/{order_id}?tab=messages")
    thread = page.locator("#order-messages")
    folded = thread.get_by_text("Message number 5.", exact=True)
    expect(thread.get_by_text("Message number 1.", exact=True)).to_be_visible()
    expect(thread.get_by_text(f"Message number {MESSAGES}.", exact=True)).to_be_visible()
    expect(folded).to_have_count(0)  # not in the page at all
    fold = thread.locator(".om-fold a")
    expect(fold).to_have_text("12 earlier messages")
    shots.take(page, "folded, no javascript")

    # By keyboard: Tab to the fold, Enter follows it; every folded entry is there.
    tab_to(page, fold)
    page.keyboard.press("Enter")
    page.wait_for_url("**om_unfold=1**")
    thread = page.locator("#order-messages")
    expect(thread.get_by_text("Message number 5.", exact=True)).to_be_visible()
    for n in range(1, MESSAGES + 1):
        expect(thread.get_by_text(f"Message number {n}.", exact=True)).to_be_visible()
    shots.take(page, "unfolded, no javascript")


def test_the_fold_passes_axe_folded_and_open(browse, shop):
    # axe-core is a script: it runs on the same page with JavaScript on (the page's markup is
    # the same; the script only adds the live updates).
    order_id = long_thread(shop)
    page = browse.page(user="carol", label="carol")
    page.goto(f"/account/orders/{order_id}?tab=messages")
    fold = page.locator("#order-messages .om-fold a")
    expect(fold).to_be_visible()
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    fold.click()
    page.wait_for_url("**om_unfold=1**")
    expect(page.get_by_text("Message number 5.", exact=True)).to_be_visible()
    assert axe_violations(page, tags=AXE_TAGS_22) == []
