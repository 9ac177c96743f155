"""Questions before purchase in Chromium: a customer (Carol) asks about a product from its page
in the example shop, by keyboard; finds the question under "My questions"; the shop's admin
answers it from the Messages section; Carol sees the answer; with the question open on both
sides, each one's next message comes in live; then Carol buys the product and links
the question to her new order, where the conversation goes on.

Every page visited passes axe-core's WCAG 2.2 A and AA rules; the question, the answer and the
link to the order are worked from the keyboard.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .helpers import page_width
from .recipes import AXE_TAGS_22, axe_violations
from .test_live_bell import LIVE_TIMEOUT, mark_document, same_document
from .test_team_walk import tab_to

MESSAGES = "/order-messages/admin/messages"
PRODUCT = "Gooseneck kettle"


def check(page: Any, shots: Any, step: str, *, full_page: bool = True) -> None:
    """A screenshot of the page as it is now, and no WCAG 2.2 A/AA violation on it."""
    shots.take(page, step, full_page=full_page)
    violations = axe_violations(page, tags=AXE_TAGS_22)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def focused(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement.id || document.activeElement.name"))


def unread_messages(page: Any) -> int:
    """The number in the customer's header ("2 unread messages"; none: 0)."""
    header = page.locator(".om-customer-header")
    if not header.count():
        return 0
    found = re.search(r"(\d+) unread", header.inner_text())
    assert found, header.inner_text()
    return int(found.group(1))


def type_and_send(page: Any, box_label: str, text: str, button: str) -> None:
    """Tab to the box called ``box_label``, type ``text``, Tab to ``button`` and press Enter."""
    box = page.get_by_label(box_label, exact=True)
    box_id = box.get_attribute("id")
    for _ in range(40):
        page.keyboard.press("Tab")
        if focused(page) == box_id:
            break
    else:
        raise AssertionError(f"{box_label!r} is not reached with Tab")
    page.keyboard.type(text)
    expect(box).to_have_value(text)
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_customer_asks_staff_answer_and_the_question_joins_an_order(browse, shots):
    visitor = browse.page(label="visitor")
    carol = browse.page(user="carol", label="carol")
    admin = browse.page(user="admin", label="admin")

    # A visitor sees the question box's heading and a way to log in, back to the product.
    visitor.goto("/")
    visitor.get_by_role("link", name=PRODUCT).click()
    expect(visitor.get_by_role("heading", name=PRODUCT, level=1)).to_be_visible()
    login_link = visitor.get_by_role("link", name="Log in to ask")
    expect(login_link).to_have_attribute("href", re.compile(r"^/login\?next=/products/\d+$"))
    check(visitor, shots, "product page for a visitor")
    phone = browse.page("phone", label="visitor-phone")
    phone.goto(visitor.url)
    expect(phone.get_by_role("link", name="Log in to ask")).to_be_visible()
    assert page_width(phone) <= 375  # no sideways scrolling
    check(phone, shots, "product page on a phone")

    # Carol goes from the catalogue to the kettle's page and asks, by keyboard.
    carol.goto("/")
    carol.get_by_role("link", name=PRODUCT).click()
    section = carol.get_by_role("region", name="Ask a question about this product")
    expect(section.get_by_label("Your question")).to_be_visible()
    check(carol, shots, "product page with the question form")
    question = "Does the kettle work on an induction hob?"
    type_and_send(carol, "Your question", question, "Send")
    expect(carol.get_by_role("heading", name=f"Question about {PRODUCT}")).to_be_visible()
    thread = carol.locator("#order-messages")
    expect(thread.locator(".om-entry.om-mine")).to_contain_text(question)
    # It says the question went, and how the answer will come.
    expect(carol.get_by_role("status").filter(has_text="Your question was sent")).to_have_text(
        "Your question was sent; we will email you the answer."
    )
    check(carol, shots, "her question page")
    question_url = carol.url.removesuffix("?asked=1")

    # The product page now leads to her question instead of a second form.
    carol.go_back()
    carol.reload()
    expect(carol.get_by_label("Your question")).to_have_count(0)
    expect(carol.get_by_role("link", name="See your question and its answers")).to_be_visible()
    check(carol, shots, "product page once asked")

    # "My questions" in the shop's menu lists it.
    carol.get_by_role("navigation", name="Main").get_by_role("link", name="My questions").click()
    expect(carol.get_by_role("heading", name="Your questions about products")).to_be_visible()
    expect(carol.get_by_role("link", name=PRODUCT)).to_be_visible()
    check(carol, shots, "my questions")

    unread_before = unread_messages(carol)

    # The admin finds it in the Messages section, marked "Question", and answers by keyboard.
    admin.goto("/admin/orders")
    admin.get_by_role("navigation").get_by_role("link", name="Messages", exact=True).click()
    row = admin.locator("tr.om-row").filter(has=admin.get_by_role("link", name=PRODUCT))
    expect(row).to_have_count(1)
    expect(row.locator(".om-question-mark")).to_have_text("Question")
    expect(row).to_contain_text("Carol Customer")
    expect(row).to_contain_text(question)
    check(admin, shots, "messages list with the question")
    row.get_by_role("link", name=PRODUCT).click()
    expect(admin.get_by_role("heading", name=f"Question about {PRODUCT}")).to_be_visible()
    expect(admin.locator(".om-context")).to_contain_text("Carol Customer")
    check(admin, shots, "staff question page")
    answer = "Yes: its base is magnetic steel, so any induction hob heats it."
    type_and_send(admin, "Reply", answer, "Send")
    expect(admin.locator("#order-messages .om-entry.om-mine")).to_contain_text(answer)
    check(admin, shots, "staff question page answered")

    # Carol's header says she has an unread message; it leads to her questions.
    carol.goto("/")
    header = carol.locator(".om-customer-header")
    expect(header).to_contain_text(f"{unread_before + 1} unread messages")
    header.click()
    listed = carol.locator(".om-question-row").filter(has_text=PRODUCT)
    expect(listed).to_have_class(re.compile(r"\bom-unread\b"))
    check(carol, shots, "my questions with an unread answer")
    listed.get_by_role("link", name=PRODUCT).click()
    expect(carol).to_have_url(question_url)
    expect(carol.locator("#order-messages .om-entry").last).to_contain_text(answer)
    check(carol, shots, "her question answered")

    # Both keep the question open: each one's next message comes in live, without a reload.
    mark_document(carol)
    mark_document(admin)
    more = "The lid's handle stays cool, too."
    type_and_send(admin, "Reply", more, "Send")
    mark_document(admin)  # its own post reloaded the admin's page
    expect(carol.locator("#order-messages .om-entry").last).to_contain_text(
        more, timeout=LIVE_TIMEOUT
    )
    assert same_document(carol)
    check(carol, shots, "the second answer came in live")
    thanks = "Great, thank you!"
    type_and_send(carol, "Reply", thanks, "Send")
    expect(admin.locator("#order-messages .om-entry").last).to_contain_text(
        thanks, timeout=LIVE_TIMEOUT
    )
    assert same_document(admin)
    check(admin, shots, "the customer's thanks came in live")
    carol.goto("/")
    assert unread_messages(carol) == unread_before  # read now

    # She buys the kettle, and links the question to the new order from its page.
    carol.get_by_role("link", name=PRODUCT).click()
    carol.get_by_role("button", name="Buy now").click()
    heading = carol.get_by_role("heading", name=re.compile(r"^Order #\d{5}$"))
    expect(heading).to_be_visible()
    number = (heading.text_content() or "").removeprefix("Order #")
    carol.goto(question_url)
    link_section = carol.get_by_role("region", name="Link to order")
    choice = link_section.get_by_label("Order")
    expect(choice.locator("option").first).to_have_text(f"#{number}")  # newest first
    check(carol, shots, "her question with link to order")
    choice.focus()
    tab_to(carol, "Link to order")
    with carol.expect_navigation():
        carol.keyboard.press("Enter")
    expect(carol.get_by_role("heading", name=f"Order #{number}")).to_be_visible()
    entries = carol.locator("#order-messages .om-entry")
    expect(entries.filter(has_text=question)).to_have_count(1)
    expect(entries.filter(has_text=answer)).to_have_count(1)
    expect(carol.locator("#order-messages")).to_contain_text(f"Linked to order #{number}")
    check(carol, shots, "the order's messages after linking")

    # The old question address leads to the order now; the list of questions is empty.
    carol.goto(question_url)
    expect(carol.get_by_role("heading", name=f"Order #{number}")).to_be_visible()
    carol.get_by_role("navigation", name="Main").get_by_role("link", name="My questions").click()
    expect(carol.get_by_text("You have not asked about any product yet.")).to_be_visible()
    check(carol, shots, "my questions empty after linking")

    # In the Messages section the row is the order's now.
    admin.goto(MESSAGES)
    expect(admin.get_by_role("link", name=f"#{number}", exact=True)).to_be_visible()
    asked = admin.locator("tr.om-row").filter(has=admin.get_by_role("link", name=PRODUCT))
    expect(asked).to_have_count(0)
    check(admin, shots, "messages list after linking")
