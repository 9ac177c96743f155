"""Questions before purchase (issue 19): a customer asks about a product from its page, before
any order; staff answer in the Messages section; the question can become an order's thread.

Every test asks what a person notices: the product page's partial, a page, a row, a count, a
mail in the outbox, a refusal's sentence; and the database's own rules."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string
from sqlalchemy.exc import IntegrityError, OperationalError

from flask_order_messages import current_order_messages
from flask_order_messages.services import questions

from . import committing as services
from .conftest import db, make_order, order_messages
from .host_pages import P, db_state, page, rows, words
from .marketplace import Market

pytestmark = pytest.mark.usefixtures("host_pages", "product_pages")

NAMES = {"42": "Blue Kettle", "tent": "Alpine Tent"}
MESSAGES = f"{P}/admin/messages"


@pytest.fixture
def product_pages(app):
    """The host's product page with the partial, and product hooks registered for this test."""

    def product(key: str) -> str:
        return render_template_string(
            "<main>{{ order_messages.product_question(key) }}</main>", key=key
        )

    app.add_url_rule("/products/<key>", "host_product", product)
    hooks = order_messages.hooks
    order_messages.product_name(lambda key: NAMES.get(key, f"Product {key}"))
    order_messages.product_url(lambda key: f"/products/{key}")
    yield app
    for name in ("product_name", "product_url", "product_vendor"):
        vars(hooks).pop(name, None)


def ask(browser, user, body="Is it dishwasher safe?", key="42", **extra):
    browser.login(user)
    return browser.post(f"{P}/product-questions", {"product_key": key, "body": body, **extra})


def question_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/questions/(\d+)\?asked=1$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def threads():
    t = current_order_messages.models.Thread
    return db.session.execute(sa.select(t).order_by(t.id)).scalars().all()


def outbox_rows():
    box = current_order_messages.models.MailOutbox
    db.session.expire_all()
    return [
        (row.recipient, row.subject, row.body_text)
        for row in db.session.execute(sa.select(box).order_by(box.id)).scalars()
    ]


def counts(browser, user) -> dict:
    return json.loads(browser.login(user).get(f"{P}/api/counts").get_data(as_text=True))


# -- the product page's partial -----------------------------------------------------------


def test_a_visitor_is_asked_to_log_in_and_a_customer_gets_the_form(browser, customer, staff):
    visitor = page(browser.login(None).get("/products/42"))
    assert "Ask a question about this product" in words(visitor)
    assert re.search(r'href="/login\?next=/products/42">Log in to ask</a>', visitor)
    assert "<textarea" not in visitor
    html = page(browser.login(customer).get("/products/42"))
    assert 'name="csrf_token"' in html and 'name="product_key" value="42"' in html
    assert "<textarea" in html and ">Send</button>" in html
    assert page(browser.login(staff).get("/products/42")) == "<main></main>"


def test_asking_opens_the_customers_question_and_the_partial_links_to_it(browser, customer):
    asked = ask(browser, customer)
    qid = question_id(asked)
    # Where it goes says it was sent, and how the answer comes (Carol has a mail address).
    sent = "Your question was sent; we will email you the answer."
    assert sent in words(page(browser.get(asked.headers["Location"])))
    shown = page(browser.get(f"{P}/questions/{qid}"))
    assert sent not in words(shown)
    assert "Question about Blue Kettle" in words(shown)
    assert "Is it dishwasher safe?" in words(shown)
    product = page(browser.get("/products/42"))
    assert f'href="{P}/questions/{qid}"' in product and "<textarea" not in product
    # Asking again about the product adds to the same question: one thread per customer.
    assert question_id(ask(browser, customer, "And the lid?")) == qid
    (thread,) = threads()
    assert (thread.order_id, thread.product_key, thread.asker_id) == (None, "42", customer.id)
    assert thread.message_count == 2


def test_the_customers_list_shows_their_questions_and_unread_answers(
    browser, customer, staff, stranger
):
    qid = question_id(ask(browser, customer))
    question_id(ask(browser, customer, "Does it come in green?", key="tent"))
    question_id(ask(browser, stranger, "Stranger's question", key="tent"))
    listed = page(browser.login(customer).get(f"{P}/questions"))
    assert "Blue Kettle" in words(listed) and "Alpine Tent" in words(listed)
    assert 'class="om-question-row om-unread"' not in listed
    browser.login(staff).post(f"{P}/admin/questions/{qid}/messages", {"body": "Yes, it is."})
    listed = page(browser.login(customer).get(f"{P}/questions"))
    assert listed.count('class="om-question-row om-unread"') == 1
    assert counts(browser, customer)["unread_threads"] == 1  # the bell counts it
    # Reading it clears the mark.
    assert "Yes, it is." in words(page(browser.get(f"{P}/questions/{qid}")))
    listed = page(browser.get(f"{P}/questions"))
    assert "om-unread" not in listed


def test_replies_both_ways_and_the_mail_each_side_gets(browser, customer, staff):
    qid = question_id(ask(browser, customer))
    mails = outbox_rows()
    assert mails and all(r == staff.email for r, _, _ in mails)
    assert mails[0][1] == "Question about Blue Kettle"
    assert "Is it dishwasher safe?" in mails[0][2] and f"/admin/questions/{qid}" in mails[0][2]
    response = browser.login(staff).post(
        f"{P}/admin/questions/{qid}/messages", {"body": "Yes, top rack."}
    )
    assert response.status_code == 303
    to_customer = outbox_rows()[len(mails) :]
    assert [(r, s) for r, s, _ in to_customer] == [
        (customer.email, "Your question about Blue Kettle")
    ]
    assert f"/questions/{qid}" in to_customer[0][2]
    # A staff-only note: no mail, and the customer never sees it.
    before = len(outbox_rows())
    browser.post(
        f"{P}/admin/questions/{qid}/messages", {"body": "Supplier says so", "kind": "note"}
    )
    assert len(outbox_rows()) == before
    assert "Supplier says so" in words(page(browser.get(f"{P}/admin/questions/{qid}")))
    customer_page = words(page(browser.login(customer).get(f"{P}/questions/{qid}")))
    assert "Yes, top rack." in customer_page and "Supplier says so" not in customer_page
    browser.post(f"{P}/questions/{qid}/messages", {"body": "Thanks!"})
    assert "Thanks!" in words(page(browser.login(staff).get(f"{P}/admin/questions/{qid}")))


def test_staff_see_questions_in_the_messages_section_the_bell_and_search(
    browser, customer, staff, order
):
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    qid = question_id(ask(browser, customer, "How tall is it?", key="tent"))
    html = page(browser.login(staff).get(MESSAGES))
    found = {row.thread_id: row for row in rows(html)}
    assert found[qid].text.startswith("Question Alpine Tent")
    assert found[qid].href == f"{P}/admin/questions/{qid}" and found[qid].unread
    assert counts(browser, staff)["unread_threads"] == 2
    for query in ("Alpine", "tall", "Customer"):
        hits = [row.thread_id for row in rows(page(browser.get(f"{MESSAGES}?q={query}")))]
        assert qid in hits, query
    assert [r.thread_id for r in rows(page(browser.get(f"{MESSAGES}?q=parcel")))] != [qid]
    # Opening it marks it read; "Mark unread" brings it back.
    browser.get(f"{P}/admin/questions/{qid}")
    assert counts(browser, staff)["unread_threads"] == 1
    assert browser.post(f"{P}/admin/questions/{qid}/unread").status_code == 303
    assert counts(browser, staff)["unread_threads"] == 2


# -- who may see a question -----------------------------------------------------------------


def test_a_strangers_question_is_the_same_404_as_a_made_up_id(browser, customer, stranger):
    qid = question_id(ask(browser, customer))
    browser.login(stranger)
    for path in (f"/questions/{qid}", "/questions/987654", "/questions/abc", "/questions/-1"):
        assert browser.get(f"{P}{path}").status_code == 404, path
    before = db_state()
    for suffix in ("messages", "link"):
        response = browser.post(f"{P}/questions/{qid}/{suffix}", {"body": "mine?", "order_id": "1"})
        assert response.status_code == 404
    assert db_state() == before
    assert "Blue Kettle" not in words(page(browser.get(f"{P}/questions")))
    assert counts(browser, stranger)["unread_threads"] == 0


def test_a_vendors_staff_see_only_their_products_questions(market: Market, browser):
    order_messages.product_vendor(lambda key: {"42": "acme", "tent": "bolt"}.get(key))
    qid = question_id(ask(browser, market.carol))
    assert threads()[-1].vendor_key == "acme"
    # Mail to Acme's staff (vendor_recipients' default: the staff working for Acme).
    assert {r for r, _, _ in outbox_rows()} == {market.ann.email}
    assert [r.thread_id for r in rows(page(browser.login(market.ann).get(MESSAGES)))] == [qid]
    assert browser.get(f"{P}/admin/questions/{qid}").status_code == 200
    browser.login(market.ben)
    assert qid not in [r.thread_id for r in rows(page(browser.get(MESSAGES)))]
    assert browser.get(f"{P}/admin/questions/{qid}").status_code == 404
    assert browser.get(f"{P}/admin/questions/987654").status_code == 404
    before = db_state()
    assert browser.post(f"{P}/admin/questions/{qid}/messages", {"body": "x"}).status_code == 404
    assert browser.post(f"{P}/admin/questions/{qid}/unread").status_code == 404
    assert db_state() == before
    assert counts(browser, market.ben)["unread_threads"] == 0
    assert qid in [r.thread_id for r in rows(page(browser.login(market.sam).get(MESSAGES)))]


# -- refusals ---------------------------------------------------------------------------------


def test_a_post_without_its_csrf_token_is_refused_and_saves_nothing(browser, customer):
    before = db_state()
    response = browser.login(customer).post(
        f"{P}/product-questions", {"product_key": "42", "body": "Hi"}, csrf=False
    )
    assert response.status_code == 400 and "security token" in words(page(response))
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "said"), [("   ", "cannot be empty"), ("x" * 20001, "is too long")]
)
def test_empty_or_oversized_text_is_refused_with_the_text_given_back(browser, customer, body, said):
    before = db_state()
    response = ask(browser, customer, body)
    assert response.status_code == 400 and said in words(page(response))
    assert db_state() == before


@pytest.mark.parametrize("key", ["k" * 65, "bad\x00key", "line\nbreak", "\u202eevil", " "])
def test_a_hostile_product_key_is_refused_and_draws_no_form(browser, customer, app, key):
    before = db_state()
    response = ask(browser, customer, key=key)
    assert response.status_code == 400 and "cannot take questions" in words(page(response))
    assert db_state() == before
    with app.test_request_context("/"):
        assert str(order_messages_partial(key)) == ""


@pytest.mark.parametrize("key", [["42"], {"k": 1}, None, True, 4.2, b"42"])
def test_a_product_key_that_is_not_text_or_a_number_draws_nothing(app, key):
    with app.test_request_context("/"):
        assert str(order_messages_partial(key)) == ""
    with pytest.raises(Exception, match="cannot take questions"):
        questions.product_key_of(key)


def test_a_number_key_is_kept_as_text(customer, app):
    assert questions.product_key_of(42) == "42"
    services_ask = questions.ask(42, services.customer_actor(customer), "Hello")
    db.session.commit()
    assert threads()[0].product_key == "42" and services_ask.thread_id == threads()[0].id


def order_messages_partial(key):
    from flask_order_messages.templating import PartialHelpers

    return PartialHelpers().product_question(key)


# -- linking to an order ------------------------------------------------------------------------


def test_staff_link_a_question_to_the_customers_order(browser, customer, staff, stranger):
    qid = question_id(ask(browser, customer))
    mine, theirs = make_order(customer), make_order(stranger)
    html = page(browser.login(staff).get(f"{P}/admin/questions/{qid}"))
    assert f'<option value="{mine.id}">#{mine.id:05d}</option>' in html
    assert f'value="{theirs.id}"' not in html
    # Another customer's order is refused like a made-up one.
    before = db_state()
    assert (
        browser.post(f"{P}/admin/questions/{qid}/link", {"order_id": theirs.id}).status_code == 404
    )
    assert db_state() == before
    response = browser.post(f"{P}/admin/questions/{qid}/link", {"order_id": mine.id})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/admin/orders/{mine.id}")
    thread = services.get_thread(mine)
    assert thread.id == qid and thread.asker_id is None and thread.product_key == "42"
    order_page = words(page(browser.get(f"/admin/orders/{mine.id}?tab=messages")))
    assert "Is it dishwasher safe?" in order_page
    assert (
        "Question linked to an order by" in order_page
        and f"Linked to order #{mine.id:05d}" in order_page
    )
    # The question's address now leads to the order; the customer may ask about it again.
    assert browser.get(f"{P}/admin/questions/{qid}").status_code == 303
    assert "<textarea" in page(browser.login(customer).get("/products/42"))
    assert "Blue Kettle" not in words(page(browser.get(f"{P}/questions")))


def test_the_customer_links_their_own_question(browser, customer):
    qid = question_id(ask(browser, customer))
    mine = make_order(customer)
    html = page(browser.get(f"{P}/questions/{qid}"))
    assert "Link to order" in words(html)
    response = browser.post(f"{P}/questions/{qid}/link", {"order_id": mine.id})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/account/orders/{mine.id}")
    assert "Is it dishwasher safe?" in words(page(browser.get(f"/account/orders/{mine.id}")))


def test_an_order_with_a_conversation_is_refused_never_merged(browser, customer, staff, order):
    services.post_message(order, services.customer_actor(customer), "About my order")
    qid = question_id(ask(browser, customer))
    before = db_state()
    response = browser.login(staff).post(f"{P}/admin/questions/{qid}/link", {"order_id": order.id})
    assert response.status_code == 409
    said = words(page(response))
    assert f"Order #{order.id:05d} has a conversation already" in said and "never merged" in said
    assert db_state() == before


# -- the database's own rules -------------------------------------------------------------------


#: A failed CHECK: MariaDB reports it as error 4025, which its driver raises as an
#: OperationalError; SQLite and PostgreSQL as an IntegrityError.
CHECK_FAILED = (IntegrityError, OperationalError)


def test_the_database_refuses_a_thread_without_order_or_product(customer):
    t = current_order_messages.models.Thread
    with pytest.raises(CHECK_FAILED, match="order_or_product|CHECK"):
        db.session.add(t(order_id=None, message_count=0))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(CHECK_FAILED, match="order_or_product|CHECK"):
        db.session.add(t(order_id=None, product_key="42", message_count=0))  # no customer
        db.session.flush()
    db.session.rollback()


def test_the_database_keeps_one_question_per_product_and_customer(customer):
    t = current_order_messages.models.Thread
    db.session.add(t(product_key="42", asker_id=customer.id, message_count=0))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(t(product_key="42", asker_id=customer.id, message_count=0))
        db.session.flush()
    db.session.rollback()


def test_without_product_hooks_the_name_falls_back(browser, customer):
    for name in ("product_name", "product_url"):
        vars(order_messages.hooks).pop(name, None)
    qid = question_id(ask(browser, customer, key="sku-9"))
    assert "Question about Product sku-9" in words(page(browser.get(f"{P}/questions/{qid}")))
