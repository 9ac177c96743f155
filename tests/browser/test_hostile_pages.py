"""The hostile corpus in real Chromium: every payload on the pages that show it, and nothing
runs, nothing is injected.

Payloads that could run script set ``window.__pwned`` or call ``alert``; a dialog handler
records any dialog.  On each page the test checks that ``window.__pwned`` is undefined, no
dialog opened, no JavaScript error happened (the harness checks that too), and that the text
containers hold nothing but line breaks and safe links, with as many thread entries as the
database has, each reading exactly as typed.  The live path (entries the page fetches while
open and adds with ``innerHTML``) is checked the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flask_order_messages import customer_actor, staff_actor

from .. import committing as services
from ..hostile_payloads import PAYLOADS, expected_text

pytestmark = pytest.mark.browser

INSPECT = """() => {
  const bad = [];
  const text = document.querySelectorAll('.om-body *, .om-excerpt *, .om-dispute-reason *');
  for (const el of text) {
    if (el.tagName === 'BR') continue;
    const names = el.getAttributeNames().sort().join(',');
    if (el.tagName === 'A' && /^https?:$/.test(el.protocol) && names === 'href,rel,target'
        && el.rel === 'nofollow noopener noreferrer') continue;
    bad.push('in text: ' + el.outerHTML.slice(0, 100));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      if (name.startsWith('on') && !(el.tagName === 'SELECT' && name === 'onchange')) {
        bad.push('handler: ' + el.outerHTML.slice(0, 100));
      }
      if (['href', 'src', 'action', 'formaction', 'data'].includes(name)
          && /^\\s*(javascript|data|vbscript):/i.test(el.getAttribute(name))) {
        bad.push('url: ' + el.outerHTML.slice(0, 100));
      }
    }
  }
  for (const s of document.scripts) {
    if (!s.src || new URL(s.src).origin !== location.origin || s.textContent.trim()) {
      bad.push('script: ' + s.outerHTML.slice(0, 100));
    }
  }
  const thread = document.querySelector('#order-messages');
  const inThread = {};
  if (thread) {
    for (const tag of ['script', 'img', 'iframe', 'svg', 'object', 'embed', 'video', 'audio',
                       'math', 'marquee', 'base', 'style', 'link', 'meta', 'frame']) {
      inThread[tag] = thread.querySelectorAll(tag).length;
    }
    for (const form of thread.querySelectorAll('form')) {
      if (!form.getAttribute('action').startsWith('/order-messages/')) {
        bad.push('form: ' + form.outerHTML.slice(0, 100));
      }
    }
  }
  return {
    pwned: typeof window.__pwned !== 'undefined' || typeof parent.__pwned !== 'undefined',
    bad,
    inThread,
    entries: thread ? thread.querySelectorAll('.om-entry').length : null,
    bodies: [...document.querySelectorAll('#order-messages .om-body')].map(b => b.innerText),
  };
}"""

ZERO = {
    tag: 0
    for tag in (
        "script", "img", "iframe", "svg", "object", "embed", "video", "audio", "math", "marquee",
        "base", "style", "link", "meta", "frame",
    )
}  # fmt: skip


def fold(text: str) -> str:
    return " ".join(text.split())


class Watch:
    """Dialogs opened on a page, and the page checked after each load."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, where: str, *, entries: int | None = None, bodies: list[str] | None = None):
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(150)  # let any injected handler (onload, onerror) fire
        found = self.page.evaluate(INSPECT)
        assert not found["pwned"], f"{where}: a payload ran (window.__pwned is set)"
        assert not self.dialogs, f"{where}: dialogs opened: {self.dialogs}"
        assert not found["bad"], f"{where}: {found['bad'][:5]}"
        if found["entries"] is not None:
            assert found["inThread"] == ZERO, f"{where}: {found['inThread']}"
        if entries is not None:
            assert found["entries"] == entries, where
        if bodies is not None:
            assert [fold(b) for b in found["bodies"]] == bodies, where
        return found


def _new_order(db: Any, order_model: Any, carol: Any) -> Any:
    order = order_model(customer_id=carol.id, status="paid")
    db.session.add(order)
    db.session.commit()
    return order


def _seed(shop: Any, *, thread: bool = False, payloads: Sequence[str] = (), live: bool = False):
    """Carol's orders, written through the services as the pages do: with ``thread``, one
    thread holding every payload; an order per name in ``payloads`` with that payload as
    message and as dispute reason; with ``live``, an order staff will write on while Carol
    has it open."""
    from example_shop.models import Order, User, db

    with shop.app.test_request_context("/"):
        carol = db.session.scalar(sa.select(User).where(User.email == "carol@example.com"))
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        as_carol, as_admin = customer_actor(carol), staff_actor(admin)
        seeded: dict[str, Any] = {"admin": admin.id, "per_payload": {}}
        if thread:
            order = _new_order(db, Order, carol)
            services.post_message(order, as_carol, "Hello, a few questions.")
            for text in PAYLOADS.values():
                services.post_message(order, as_carol, text)
            seeded["thread"] = order.id
        for name in payloads:
            order = _new_order(db, Order, carol)
            services.post_message(order, as_carol, PAYLOADS[name])
            services.open_dispute(order, as_carol, PAYLOADS[name])
            seeded["per_payload"][name] = order.id
        if live:
            order = _new_order(db, Order, carol)
            services.post_message(order, as_admin, "We will keep you posted here.")
            seeded["live"] = order.id
        return seeded


THREAD_BODIES = [fold("Hello, a few questions.")] + [expected_text(t) for t in PAYLOADS.values()]


def _open_folds(page: Any) -> None:
    for fold_box in page.locator("#order-messages details").all():
        fold_box.evaluate("d => d.open = true")


def test_a_thread_of_every_payload_on_the_staff_and_customer_pages(shop, browse, shots):
    seeded = _seed(shop, thread=True)
    staff = browse.page(user="admin", label="staff")
    watch = Watch(staff)
    # Each page with its fold open (?om_unfold=1, as the fold's link does): every entry shown.
    staff.goto(f"/admin/orders/{seeded['thread']}?tab=messages&om_unfold=1")
    expect(staff.locator("#order-messages")).to_be_visible()
    _open_folds(staff)
    watch.check("admin order page", entries=len(THREAD_BODIES), bodies=THREAD_BODIES)
    shots.take(staff, "thread with every payload")

    staff.goto(f"/order-messages/admin/orders/{seeded['thread']}?om_unfold=1")
    _open_folds(staff)
    watch.check("extension's staff thread page", entries=len(THREAD_BODIES), bodies=THREAD_BODIES)

    carol = browse.page(user="carol", label="customer")
    carol_watch = Watch(carol)
    carol.goto(f"/account/orders/{seeded['thread']}?tab=messages&om_unfold=1")
    _open_folds(carol)
    carol_watch.check("customer order page", entries=len(THREAD_BODIES), bodies=THREAD_BODIES)
    shots.take(carol, "customer sees every payload as text")
    carol.goto("/account/orders")
    carol_watch.check("customer order list")


def test_every_preview_in_the_messages_list_and_search(shop, browse, shots):
    seeded = _seed(shop, payloads=list(PAYLOADS))
    staff = browse.page(user="admin", label="staff")
    watch = Watch(staff)
    # The Messages section: every page of previews, each a dispute with a payload.
    number = 1
    while True:
        staff.goto(f"/order-messages/admin/messages?page={number}")
        watch.check(f"Messages page {number}")
        if number == 1:
            shots.take(staff, "messages list with payload previews")
        if staff.locator("a[rel=next]").count() == 0:
            break
        number += 1
    assert number >= 4  # 80-odd threads, 20 a page: every preview was on some page

    staff.goto(f"/order-messages/admin/orders/{seeded['per_payload']['script tag']}/dispute/close")
    watch.check("close dispute page")
    for name in ("attribute breakout", "textarea breakout", "jinja expression", "rtl override"):
        staff.goto("/order-messages/admin/messages")
        staff.get_by_label("Search").fill(PAYLOADS[name])
        staff.get_by_role("button", name="Search").click()
        watch.check(f"search for {name}")
        assert staff.get_by_label("Search").input_value() == PAYLOADS[name]
    expect(staff.locator(".om-bell")).to_be_attached()
    watch.check("bell after searching")


#: The payloads in four shares, one test each, so parallel workers share them out.
SHARES = 4


@pytest.mark.parametrize("share", range(SHARES), ids=lambda n: f"share {n + 1} of {SHARES}")
def test_each_payload_as_message_and_dispute_reason(shop, browse, share):
    names = list(PAYLOADS)[share::SHARES]
    seeded = _seed(shop, payloads=names)
    staff = browse.page(user="admin", label="staff")
    watch = Watch(staff)
    for name, order_id in seeded["per_payload"].items():
        staff.goto(f"/admin/orders/{order_id}?tab=messages")
        found = watch.check(f"dispute on order {order_id} ({name})", entries=2)
        reason = staff.locator(".om-dispute-reason").first.inner_text()
        assert fold(reason) == expected_text(PAYLOADS[name]), name
        assert [fold(b) for b in found["bodies"]] == [expected_text(PAYLOADS[name])] * 2


def test_live_entries_of_every_payload(shop, browse, shots):
    """Carol has her order open; staff write every payload; the page adds them as they come
    (with ``innerHTML``), and they read as typed."""
    seeded = _seed(shop, live=True)
    carol = browse.page(user="carol", label="customer")
    carol_watch = Watch(carol)
    carol.goto(f"/account/orders/{seeded['live']}?tab=messages")
    carol_watch.check("live thread before", entries=1)
    with shop.app.test_request_context("/"):
        from example_shop.models import Order, User, db

        order = db.session.get(Order, seeded["live"])
        as_admin = staff_actor(db.session.get(User, seeded["admin"]))
        for text in PAYLOADS.values():
            services.post_message(order, as_admin, text)
    expect(carol.locator("#order-messages .om-entry")).to_have_count(
        1 + len(PAYLOADS), timeout=15_000
    )
    live_bodies = [fold("We will keep you posted here.")] + [
        expected_text(t) for t in PAYLOADS.values()
    ]
    carol_watch.check("live thread after", entries=1 + len(PAYLOADS), bodies=live_bodies)
    shots.take(carol, "live entries added")
