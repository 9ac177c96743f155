"""A marketplace in Chromium: the example shop in marketplace mode (``SHOP_MARKETPLACE``), with
a customer (Carol), Acme Tools' staff (Ann), Bolt Books' staff (Ben) and the marketplace's
admin, each in a browser context of their own, at the same time.

Carol buys from each vendor and writes on both orders; each vendor's bell rises for its own
thread only, its Messages list and orders list hold its own orders only, and it answers
(signed "Ann Anvil (Acme Tools)").  Carol opens a dispute on the Acme order: Ann answers in it
but has no button to close it; the marketplace's admin sees both vendors' threads, filters
them by vendor, finds the dispute among every open one and closes it with an outcome.  Then
Ann tries Bolt's thread by every URL (the shop's order page, the extension's thread page, the
JSON entries, a post) and gets the very page a made-up id gets.

Every page visited passes axe-core's WCAG 2.2 A and AA rules; the reply and the filters are
worked from the keyboard; Carol's thread is also looked at on a phone.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveShop, _shop_config, live_shop
from .helpers import bell_count, count, order_row, page_width, row_numbers
from .recipes import AXE_TAGS_22, axe_violations
from .test_live_bell import LIVE_TIMEOUT, mark_document, same_document
from .test_team_walk import tab_to

MESSAGES = "/order-messages/admin/messages"
MARKET = {"SHOP_MARKETPLACE": True}
#: The seeded vendors' orders (example_shop/seed_marketplace.py): after the plain demo's 24.
ACME_SEEDED = {"#00025", "#00026"}
BOLT_SEEDED = {"#00027", "#00028", "#00029"}
#: An order id no order has.
MADE_UP = 999_999
#: A signed CSRF token (in forms and the assets' meta tag): it carries the second it was made.
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")


@pytest.fixture(scope="module")
def market_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo seeded once in marketplace mode (``SHOP_MARKETPLACE=1 flask seed``)."""
    from example_shop.app import create_app
    from example_shop.marketplace import switch_hooks
    from example_shop.models import db

    path = tmp_path_factory.mktemp("market-template") / "shop.sqlite"
    app = create_app({**_shop_config(path), **MARKET})
    try:
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        assert "marketplace: 2 vendors" in result.output
        with app.app_context():
            db.engine.dispose()
        yield path
    finally:
        switch_hooks(False)  # the plain shop's hooks again, for the tests that follow
        shutil.rmtree(path.parent / "attachments", ignore_errors=True)


@pytest.fixture
def shop(market_database: Path, tmp_path: Path) -> Iterator[LiveShop]:
    """The marketplace, served (overrides conftest's plain shop, so ``browse`` uses it)."""
    from example_shop.marketplace import switch_hooks

    try:
        with live_shop(market_database, tmp_path, MARKET) as live:
            yield live
    finally:
        switch_hooks(False)


def check(page: Any, shots: Any, step: str, *, full_page: bool = True) -> None:
    """A screenshot of the page as it is now, and no WCAG 2.2 A/AA violation on it."""
    shots.take(page, step, full_page=full_page)
    violations = axe_violations(page, tags=AXE_TAGS_22)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def buy(page: Any, product: str) -> str:
    """Buy one of ``product`` from the storefront; the new order's number ("00030")."""
    page.goto("/")
    card = page.locator("li.product").filter(has=page.get_by_role("heading", name=product))
    card.get_by_role("button", name="Buy now").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Order #\d{5}$"))
    expect(heading).to_be_visible()
    return (heading.text_content() or "").removeprefix("Order #")


def post(page: Any, text: str) -> Any:
    """Post ``text`` from the open thread's reply box, reaching Send from the keyboard; the
    thread."""
    box = page.get_by_placeholder("Write your message here")
    # The text goes in whole (typed key by key beside four pages polling every second, the
    # last keys once went missing); the way to Send and the press are the keyboard's.
    box.fill(text)
    expect(box).to_have_value(text)
    tab_to(page, "Send")
    # The post's answer may take a while on a busy machine, so wait for the page it leads to
    # (the context's 10 s), then look.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    thread = page.locator("#order-messages")
    expect(thread.locator(".om-entry.om-mine").last).to_contain_text(text)
    return thread


def write(page: Any, number: str, text: str) -> None:
    """Carol writes on her order ``number``'s Messages tab."""
    page.goto(f"/account/orders/{int(number)}?tab=messages")
    post(page, text)


def answer(page: Any, number: str, text: str) -> Any:
    """A vendor's staff member answers from the Messages list; the thread."""
    page.goto(MESSAGES)
    page.get_by_role("link", name=f"#{number}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Order #{number}")).to_be_visible()
    return post(page, text)


def test_a_customer_two_vendors_and_the_marketplace(browse: Any, shots: Any) -> None:
    carol = browse.page(user="carol", label="carol")
    ann = browse.page(user="ann", label="ann-acme")
    ben = browse.page(user="ben", label="ben-bolt")
    admin = browse.page(user="admin", label="admin")

    # The storefront says who sells what; Carol buys a drill from Acme and a book from Bolt.
    carol.goto("/")
    drill = carol.locator("li.product").filter(has_text="Cordless drill")
    expect(drill.locator(".sold-by")).to_have_text("Sold by Acme Tools")
    expect(
        carol.locator("li.product").filter(has_text="Gooseneck kettle").locator(".sold-by")
    ).to_have_count(0)  # the marketplace's own coffee gear
    check(carol, shots, "storefront with vendors")
    acme = buy(carol, "Cordless drill, 18 V")
    expect(carol.locator(".sold-by")).to_have_text("Sold by Acme Tools")
    expect(carol.get_by_role("link", name="Write to Acme Tools in Messages")).to_be_visible()
    check(carol, shots, "acme order placed")
    bolt = buy(carol, "Brewing at Home")
    expect(carol.locator(".sold-by")).to_have_text("Sold by Bolt Books")
    acme_orders, bolt_orders = ACME_SEEDED | {f"#{acme}"}, BOLT_SEEDED | {f"#{bolt}"}

    # Each vendor's admin shows its own orders only, under its own name.
    for page, own, vendor in ((ann, acme_orders, "Acme Tools"), (ben, bolt_orders, "Bolt Books")):
        page.goto("/admin/orders")
        assert set(row_numbers(page)) == own
        expect(page.locator(".brand-sub")).to_have_text(vendor)
        expect(page.get_by_label("Vendor", exact=True)).to_have_count(0)
        expect(page.get_by_role("link", name="Mailbox (demo)")).to_have_count(0)
        check(page, shots, "own orders only")
        page.goto(MESSAGES)
        mark_document(page)
    ann_unread, ben_unread = count(ann, "unread_threads"), count(ben, "unread_threads")
    assert (count(ann, "open_disputes"), count(ben, "open_disputes")) == (0, 1)

    # Carol writes on the Acme order: Ann's bell rises live, Ben's does not.
    write(carol, acme, "Hi! Can the drill be delivered to my office instead?")
    check(carol, shots, "wrote to acme")
    expect(bell_count(ann, "unread_threads")).to_have_text(
        str(ann_unread + 1), timeout=LIVE_TIMEOUT
    )
    # Then on the Bolt order: Ben's rises, and Ann's has stayed at one more all along.
    write(carol, bolt, "Is the guide's cold brew chapter new in this edition?")
    expect(bell_count(ben, "unread_threads")).to_have_text(
        str(ben_unread + 1), timeout=LIVE_TIMEOUT
    )
    expect(bell_count(ann, "unread_threads")).to_have_text(str(ann_unread + 1))
    assert same_document(ann) and same_document(ben)
    check(ann, shots, "bell rose for acme only")

    # Their Messages lists: their own threads only, no vendor column or filter.
    for page, own, theirs, vendor in (
        (ann, acme_orders, bolt_orders, "Acme Tools"),
        (ben, bolt_orders, acme_orders, "Bolt Books"),
    ):
        page.reload()
        shown = set(row_numbers(page))
        assert shown <= own and not shown & theirs, shown
        expect(page.locator("th", has_text="Vendor")).to_have_count(0)
        expect(page.locator("select[name=vendor]")).to_have_count(0)
        expect(page.locator(".brand-sub")).to_have_text(vendor)  # the extension's page too
        check(page, shots, "own threads only")

    # Each answers from the keyboard; their entries say whom they work for.
    thread = answer(ann, acme, "Yes: give us the address and we change the delivery.")
    expect(thread.locator(".om-entry.om-mine .om-author").last).to_have_text(
        "Ann Anvil (Acme Tools)"
    )
    check(ann, shots, "ann answered")
    answer(ben, bolt, "It is: the cold brew chapter was added this spring.")
    check(ben, shots, "ben answered")

    # Carol reads both answers, each signed by its vendor; on a phone too.
    carol.goto(f"/account/orders/{int(acme)}?tab=messages")
    authors = carol.locator("#order-messages .om-entry .om-author")
    expect(authors).to_have_text(["Carol Customer", "Ann Anvil (Acme Tools)"])
    check(carol, shots, "acme answer")
    phone = browse.page("phone", user="carol", label="carol-phone")
    phone.goto(f"/account/orders/{int(bolt)}?tab=messages")
    expect(phone.locator("#order-messages .om-entry .om-author").last).to_have_text(
        "Ben Binder (Bolt Books)"
    )
    assert page_width(phone) <= 375
    check(phone, shots, "bolt answer on a phone")

    # Carol opens a dispute on the Acme order.
    carol.locator("#order-messages").get_by_role("link", name="Open dispute").click()
    dialog = carol.get_by_role("dialog")
    reason = "The drill arrived without its second battery."
    dialog.get_by_label("Reason").fill(reason)
    check(carol, shots, "dispute dialog", full_page=False)
    dialog.get_by_role("button", name="Open dispute").click()
    expect(carol.locator(".om-dispute-note")).to_contain_text(reason)
    check(carol, shots, "dispute open")

    # Ann answers in it but cannot close it: no button, a sentence saying who does.
    ann.goto(f"/admin/orders/{int(acme)}?tab=messages")
    ann_thread = ann.locator("#order-messages")
    expect(ann.locator(".om-dispute-note")).to_contain_text(reason)
    expect(ann_thread.get_by_role("link", name=re.compile("dispute", re.I))).to_have_count(0)
    expect(ann_thread.get_by_role("button", name=re.compile("dispute", re.I))).to_have_count(0)
    expect(ann_thread.locator(".om-arbitration-note")).to_have_text(
        "The customer and the marketplace close disputes; you answer in them."
    )
    ann.get_by_placeholder("Write your message here").fill(
        "So sorry! The second battery goes out today by express."
    )
    ann.get_by_role("button", name="Send", exact=True).click()
    expect(ann.locator(".om-dispute-note .om-deadline")).to_contain_text(re.compile("^Answered"))
    check(ann, shots, "ann answered the dispute")

    # The marketplace's admin: both vendors' threads, with a Vendor column ...
    admin.goto(MESSAGES)
    everyone = set(row_numbers(admin))
    assert {f"#{acme}", f"#{bolt}"} <= everyone
    expect(order_row(admin, acme).locator(".om-vendor-name")).to_have_text("Acme Tools")
    expect(order_row(admin, bolt).locator(".om-vendor-name")).to_have_text("Bolt Books")
    check(admin, shots, "every vendors threads")
    # ... filtered by vendor from the keyboard ...
    vendor = admin.get_by_label("Vendor", exact=True)
    vendor.focus()
    admin.keyboard.type("Bolt")
    expect(vendor).to_have_value(re.compile(r"^\d+$"))
    tab_to(admin, "Search")
    admin.keyboard.press("Enter")
    expect(admin).to_have_url(re.compile(r"vendor=\d+"))
    assert set(row_numbers(admin)) == {"#00027", "#00028", f"#{bolt}"}
    expect(admin.locator(".om-vendor-name")).to_have_text(["Bolt Books"] * 3)
    check(admin, shots, "filtered to bolt")
    # The response times, narrowed to one vendor with the same control, from the keyboard.
    admin.goto("/order-messages/admin/insight")
    vendor = admin.get_by_label("Vendor", exact=True)
    vendor.focus()
    admin.keyboard.type("Bolt")
    admin.keyboard.press("Tab")
    expect(admin.get_by_role("button", name="Show")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin).to_have_url(re.compile(r"insight\?vendor=\d+$"))
    expect(admin.locator(".om-insight .om-hint").first).to_contain_text("vendor: Bolt Books")
    check(admin, shots, "response times of bolt")
    # Canned replies: the marketplace's, shared with vendors, and a box to share a new one.
    admin.goto("/order-messages/admin/canned-replies")
    expect(admin.locator(".om-canned-owner").first).to_have_text("Marketplace, shared with vendors")
    check(admin, shots, "canned replies of the marketplace")
    admin.goto("/order-messages/admin/canned-replies/new")
    shared = admin.get_by_label("Shared with vendors")
    shared.focus()
    admin.keyboard.press("Space")
    expect(shared).to_be_checked()
    check(admin, shots, "a new canned reply to share")
    # Ann inserts the shared ones, and keeps Acme's own.
    ann.goto("/order-messages/admin/canned-replies")
    expect(ann.get_by_role("link", name="New canned reply")).to_be_visible()
    expect(ann.locator(".om-canned-row").first).to_contain_text("Marketplace")
    expect(ann.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    check(ann, shots, "canned replies a vendor sees")
    ann.goto(f"/admin/orders/{int(acme)}?tab=messages")  # back on the disputed thread
    # ... and every open dispute across vendors: Acme's new one and Bolt's seeded one.
    admin.goto(f"{MESSAGES}?filter=disputes")
    disputed = set(row_numbers(admin))
    assert {f"#{acme}", "#00027"} <= disputed
    check(admin, shots, "open disputes of both vendors")

    # The shop's own orders list filters by vendor too, from the keyboard.
    admin.goto("/admin/orders")
    expect(order_row(admin, acme).locator(".c-vendor")).to_have_text("Acme Tools")
    select = admin.locator("select#vendor")
    select.focus()
    admin.keyboard.type("Acme")
    admin.keyboard.press("Tab")
    expect(admin.get_by_role("button", name="Filter")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin).to_have_url(re.compile(r"vendor=\d+"))
    assert set(row_numbers(admin)) == acme_orders
    check(admin, shots, "orders filtered to acme")

    # The admin closes the dispute with an outcome; Ann and Carol see it closed.
    admin.goto(f"/admin/orders/{int(acme)}?tab=messages")
    admin_thread = admin.locator("#order-messages")
    expect(admin_thread.locator(".om-vendor")).to_have_text("Vendor: Acme Tools")
    admin_thread.get_by_role("link", name="Close dispute").click()
    closing = admin.get_by_role("dialog")
    closing.get_by_label("Resolved for the customer").check()
    closing.get_by_label("Note (optional)").fill("Acme sent the battery by express.")
    check(admin, shots, "close dispute dialog", full_page=False)
    closing.get_by_role("button", name="Close dispute").click()
    expect(admin.locator(".om-dispute-note")).to_have_count(0)
    expect(admin_thread.locator(".om-event-dispute-closed")).to_contain_text(
        "Outcome: Resolved for the customer."
    )
    check(admin, shots, "dispute closed")
    ann.reload()
    expect(ann.locator(".om-dispute-note")).to_have_count(0)
    expect(ann_thread.locator(".om-event-dispute-closed")).to_contain_text(
        "Outcome: Resolved for the customer."
    )
    check(ann, shots, "ann sees the outcome")

    # Ann tries Bolt's thread by every URL: each the same 404 as a made-up order.
    token = ann.locator("input[name=csrf_token]").first.input_value()
    for path, method in (
        ("/admin/orders/{}?tab=messages", "get"),
        ("/order-messages/admin/orders/{}", "get"),
        ("/order-messages/api/admin/orders/{}/entries", "get"),
        ("/order-messages/admin/orders/{}/messages", "post"),
    ):
        answers = []
        for order_id in (int(bolt), 27, MADE_UP):
            url = path.format(order_id)
            if method == "get":
                response = ann.request.get(url)
            else:
                response = ann.request.post(url, form={"csrf_token": token, "body": "Hello?"})
            answers.append((response.status, TOKEN.sub("", response.text())))
        assert answers[0][0] == 404, path
        assert answers[0] == answers[1] == answers[2], path
    ann.goto(f"/admin/orders/{int(bolt)}?tab=messages")
    expect(ann.get_by_role("heading", name="Page not found")).to_be_visible()
    check(ann, shots, "bolts order is not found")
    # Nothing was posted on Bolt's thread: Ben's last entry is still his.
    ben.goto(f"/admin/orders/{int(bolt)}?tab=messages")
    expect(ben.locator("#order-messages .om-entry").last).to_contain_text("cold brew chapter")
    expect(ben.locator("#order-messages")).not_to_contain_text("Hello?")
