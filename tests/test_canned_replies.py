"""Canned replies: staff keep reusable answers (create, edit, delete) on pages inside the admin
layout, and insert one into the reply box with one click, placeholders filled in."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from flask_order_messages import current_order_messages
from flask_order_messages.services import canned

from . import committing as services
from .conftest import db, make_order
from .host_pages import (
    P,
    follow,
    link_to,
    page,
    staff_thread,
    textarea,
    thread_section,
    words,
)
from .reconfigure import reconfigure

LIST = f"{P}/admin/canned-replies"
NEW = f"{LIST}/new"
GREETING = "Hi {customer_first_name}, order #{order_number} ships today.\n{staff_name}"


pytestmark = pytest.mark.usefixtures("host_pages")


def replies() -> list[tuple[str, str]]:
    model = current_order_messages.models.CannedReply
    db.session.expire_all()
    found = db.session.execute(db.select(model).order_by(model.id)).scalars()
    return [(r.title, r.body) for r in found]


def add(title: str, body: str, staff) -> object:
    return canned.create_reply(services.staff_actor(staff), title, body)


def input_value(fragment: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', fragment)
    assert match is not None, f"no input {name!r}"
    return htmllib.unescape(match.group(1))


# -- the pages --------------------------------------------------------------------------------


def test_create_then_list_then_edit_then_delete(staff, browser):
    browser.login(staff)
    empty = page(browser.get(LIST))
    assert "No canned replies yet." in words(empty)
    assert "{customer_name}" in words(empty)  # the placeholders are explained
    assert link_to(empty, "New canned reply") == NEW
    assert link_to(empty, "← All messages") == f"{P}/admin/messages"

    form = page(browser.get(NEW))
    assert "New canned reply" in words(form)
    response = browser.post(NEW, {"title": "Shipping", "body": GREETING})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{LIST}?saved=")
    assert replies() == [("Shipping", GREETING)]

    listing = page(browser.get(response.headers["Location"]))
    assert "The canned reply was saved." in words(listing)
    assert "Shipping" in words(listing)
    edit_url = link_to(listing, "Edit")
    form = page(browser.get(edit_url))
    assert input_value(form, "title") == "Shipping"
    assert textarea(form) == GREETING

    response = browser.post(edit_url, {"title": "Shipping today", "body": "It ships today."})
    assert response.status_code == 303
    assert replies() == [("Shipping today", "It ships today.")]

    listing = page(browser.get(LIST))
    delete_url = link_to(listing, "Delete")
    confirm = page(browser.get(delete_url))
    assert "Delete the canned reply “Shipping today”?" in words(confirm)
    assert replies() == [("Shipping today", "It ships today.")]  # looking changes nothing
    response = browser.post(delete_url)
    assert response.status_code == 303
    assert replies() == []
    assert "The canned reply was deleted." in words(page(browser.get(response.headers["Location"])))


def test_the_pages_extend_the_admin_layout_and_are_linked_from_messages(
    staff, browser, app, tmp_path
):
    folder = tmp_path / "host_templates"
    folder.mkdir()
    (folder / "admin_shell.html").write_text(
        '<div id="shop-admin">{% block title %}{% endblock %}|{% block content %}{% endblock %}'
        "</div>"
    )
    app.template_folder = str(folder)  # before the first page: as Flask(template_folder=...)
    reconfigure(app, ADMIN_LAYOUT="admin_shell.html")
    browser.login(staff)
    for url, title in [
        (LIST, "Canned replies"),
        (NEW, "New canned reply"),
        (f"{LIST}/edit", "Canned replies"),
    ]:
        assert page(browser.get(url)).startswith(f'<div id="shop-admin">{title}|'), url
    messages = page(browser.get(f"{P}/admin/messages"))
    assert link_to(messages, "Canned replies") == LIST


@pytest.mark.parametrize(
    ("title", "body", "error"),
    [
        ("", "Some text", "The title cannot be empty."),
        ("t" * 121, "Some text", "The title is too long: 121 characters, the limit is 120."),
        ("Greeting", "   ", "The reply cannot be empty."),
        ("Greeting", "x" * 5001, "The reply is too long: 5,001 characters, the limit is 5,000."),
        (
            "Greeting",
            "Hello {name}!",
            "The reply uses an unknown placeholder {name}. You can use {customer_name}, "
            "{customer_first_name}, {order_number}, {staff_name}.",
        ),
    ],
)
def test_refused_text_comes_back_with_the_reason_and_both_fields_kept(
    staff, browser, title, body, error
):
    response = browser.login(staff).post(NEW, {"title": title, "body": body})
    assert response.status_code == 400
    html = page(response)
    assert error in words(html)
    assert input_value(html, "title") == title
    assert textarea(html) == body
    assert replies() == []


def test_a_title_is_taken_whatever_its_case(staff, browser):
    add("Shipping", "One", staff)
    other = add("Returns", "Two", staff)
    browser.login(staff)
    response = browser.post(NEW, {"title": "SHIPPING", "body": "Three"})
    assert response.status_code == 400
    assert "There is already a canned reply called “SHIPPING”." in words(page(response))
    # Renaming another one to it is refused the same way; keeping one's own title is fine.
    edit_url = f"{LIST}/edit?id={other.id}"
    assert browser.post(edit_url, {"title": "shipping", "body": "Two"}).status_code == 400
    assert browser.post(edit_url, {"title": "Returns", "body": "Two, changed"}).status_code == 303
    assert replies() == [("Shipping", "One"), ("Returns", "Two, changed")]


@pytest.mark.parametrize("raw", ["999", "abc", "-1", "99999999999999999999"])
def test_a_reply_that_is_gone_is_a_404_in_words(staff, browser, raw):
    add("Shipping", "One", staff)
    browser.login(staff)
    for url in (f"{LIST}/edit?id={raw}", f"{LIST}/delete?id={raw}"):
        for response in (browser.get(url), browser.post(url, {"title": "x", "body": "y"})):
            assert response.status_code == 404
            assert "This canned reply does not exist (any more)." in words(page(response))
    assert replies() == [("Shipping", "One")]


def test_customers_never_reach_the_pages(customer, staff, browser):
    reply = add("Shipping", "One", staff)
    browser.login(customer)
    assert browser.get(LIST).status_code == 403
    for url in (NEW, f"{LIST}/edit?id={reply.id}", f"{LIST}/delete?id={reply.id}"):
        assert browser.get(url).status_code == 403
        assert browser.post(url, {"title": "Mine", "body": "Hacked"}).status_code == 403
    assert replies() == [("Shipping", "One")]


# -- the reply box ----------------------------------------------------------------------------


def chips(thread: str) -> list[tuple[str, str, str]]:
    """(title, href, text to insert) of each canned reply in the reply box."""
    found = re.findall(
        r'<a class="om-chip" href="([^"]*)" data-om-canned="[^"]*"\s+data-om-text="([^"]*)"'
        r"[^>]*>(.*?)</a>",
        thread,
        re.S,
    )
    return [(words(t), htmllib.unescape(h), htmllib.unescape(x)) for h, x, t in found]


def test_the_reply_box_offers_the_replies_filled_in(order, as_customer, staff, browser):
    shipping = add("Shipping", GREETING, staff)
    apology = add("Apology", "Sorry, {customer_name} & team <3", staff)
    services.post_message(order, as_customer, "When does it ship?")
    thread = staff_thread(browser.login(staff), order)
    assert "Insert canned reply:" in words(thread)
    # By title; each a link that keeps the page's own query, and the text to insert.
    assert chips(thread) == [
        (
            "Apology",
            f"/admin/orders/{order.id}?tab=messages&canned={apology.id}#order-messages",
            "Sorry, Carol Customer & team <3",
        ),
        (
            "Shipping",
            f"/admin/orders/{order.id}?tab=messages&canned={shipping.id}#order-messages",
            "Hi Carol, order #00001 ships today.\nAdmin Admin",
        ),
    ]
    assert link_to(thread, "Manage canned replies").startswith(f"{LIST}?next=")


def test_without_javascript_the_link_fills_the_reply_box(order, as_customer, staff, browser):
    reply = add("Shipping", GREETING, staff)
    services.post_message(order, as_customer, "When does it ship?")
    browser.login(staff)
    (shipping,) = chips(staff_thread(browser, order))
    filled = page(browser.get(shipping[1].split("#")[0]))
    assert textarea(thread_section(filled)) == "Hi Carol, order #00001 ships today.\nAdmin Admin"
    # The form goes back to the page without ?canned=, so the box is empty after sending.
    form_next = re.search(r'name="next" value="([^"]*)"', thread_section(filled))
    assert form_next is not None
    assert htmllib.unescape(form_next.group(1)) == f"/admin/orders/{order.id}?tab=messages"
    response = browser.post(
        f"{P}/admin/orders/{order.id}/messages",
        {"body": shipping[2], "next": htmllib.unescape(form_next.group(1))},
    )
    assert response.headers["Location"] == f"/admin/orders/{order.id}?tab=messages#order-messages"
    assert textarea(staff_thread(browser, order)) == ""
    customer_view = services.thread_view(order, as_customer, mark=False)
    assert customer_view.entries[-1].body == "Hi Carol, order #00001 ships today.\nAdmin Admin"
    # The extension's own staff page does the same.
    own = page(browser.get(f"{P}/admin/orders/{order.id}?canned={reply.id}"))
    assert textarea(own) == "Hi Carol, order #00001 ships today.\nAdmin Admin"


@pytest.mark.parametrize("raw", ["999", "abc", ""])
def test_a_canned_id_that_is_gone_leaves_the_box_empty(order, as_customer, staff, browser, raw):
    add("Shipping", GREETING, staff)
    services.post_message(order, as_customer, "Hi")
    assert textarea(staff_thread(browser.login(staff), order, f"&canned={raw}")) == ""


def test_placeholders_follow_the_order_and_the_staff_member(staff, staff2, customer, stranger):
    reply = add("Hello", "Dear {customer_name}, #{order_number} by {staff_name}. {not one}", staff)
    other = make_order(stranger)
    values = canned.placeholder_values(other, services.staff_actor(staff2))
    assert canned.fill(reply.body, values) == (
        f"Dear Sam Stranger, #{other.id:05d} by Second Staff. {{not one}}"
    )


def test_customers_never_see_canned_replies(order, as_customer, customer, staff, browser):
    reply = add("Internal wording", "Secret standard answer", staff)
    services.post_message(order, as_customer, "Hi")
    html = page(browser.login(customer).get(f"/account/orders/{order.id}?canned={reply.id}"))
    assert "Insert canned reply" not in html
    assert "Secret standard answer" not in html
    assert textarea(thread_section(html)) == ""


def test_canned_replies_can_be_turned_off(app, order, as_customer, staff, browser):
    reply = add("Shipping", GREETING, staff)
    services.post_message(order, as_customer, "Hi")
    reconfigure(app, CANNED_REPLIES_ENABLED=False)
    browser.login(staff)
    thread = staff_thread(browser, order, f"&canned={reply.id}")
    assert "Insert canned reply" not in thread
    assert textarea(thread) == ""
    for url in (LIST, NEW, f"{LIST}/edit?id={reply.id}", f"{LIST}/delete?id={reply.id}"):
        assert browser.get(url).status_code == 404
    assert browser.post(NEW, {"title": "New", "body": "Text"}).status_code == 404
    assert "Canned replies" not in words(page(browser.get(f"{P}/admin/messages")))
    assert replies() == [("Shipping", GREETING)]


def test_after_a_refused_post_the_links_still_lead_to_the_page(order, as_customer, staff, browser):
    reply = add("Shipping", GREETING, staff)
    services.post_message(order, as_customer, "Hi")
    response = browser.login(staff).post(
        f"{P}/admin/orders/{order.id}/messages",
        {"body": " ", "next": f"/admin/orders/{order.id}?tab=messages"},
    )
    (shipping,) = chips(thread_section(follow(browser, response)))
    # The order's page, not the form's POST-only address, nor the refusal's draft marker.
    href = f"/admin/orders/{order.id}?tab=messages&canned={reply.id}#order-messages"
    assert shipping[1] == href
    filled = page(browser.get(href.split("#")[0]))
    assert textarea(thread_section(filled)).startswith("Hi Carol, order #00001 ships today.")


def test_an_empty_list_offers_to_add_one(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    thread = staff_thread(browser.login(staff), order)
    assert "No canned replies yet." in words(thread) and "Insert canned reply" not in words(thread)
    assert link_to(thread, "Add a canned reply").startswith(f"{LIST}?next=")
