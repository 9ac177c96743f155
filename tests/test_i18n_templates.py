"""Pseudo-localisation: no English left hard-coded in the pages.

The host here sets Flask-Babel up itself (its locale selector says ``de``) and puts an
``order_messages`` catalogue of its own in its translation directory - the override a host
may make.  That catalogue is made in the test from the strings marked in the package's
sources (extracted as ``make messages`` does, so it never lags behind them): every
translation is its message wrapped in ``⟦ ⟧``.  A word on a page that is not inside such a
pair was never marked: the test names it.  The user data of the test (names, messages,
e-mail addresses, the order number) and the numbers and dates are all that may stand outside.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import Babel

from . import committing as services
from .conftest import db, fresh_tables, make_app
from .host_pages import add_host_pages
from .test_i18n_catalogues import KEYWORDS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flask_order_messages"
OPEN, CLOSE = "⟦", "⟧"
METHODS = [
    ("**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
#: Words of the pages that are not a language: a file format's name on its icon.
NOT_WORDS = {"PDF"}

# The people, texts and order of the test: user data, shown as they are.
CUSTOMER_NAME = "Zoe Quux"
STAFF_NAME = "Yan Wobble"
USER_TEXT = ["Wheres my parcel", "Shipped yesterday", "Check the courier", "Parcel arrived broken"]


def _pseudo(message: str) -> str:
    return f"{OPEN}{message}{CLOSE}"


def pseudo_catalogue(directory: Path, locale: str) -> int:
    """Write ``<directory>/<locale>/LC_MESSAGES/order_messages.mo`` with every marked
    string of the package wrapped in markers; the number of messages."""
    catalog = Catalog(locale=locale, domain="order_messages")
    found = extract_from_dir(
        str(PACKAGE),
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {}, "templates/**.txt": {}},
    )
    for _filename, _lineno, message, _comments, context in found:
        if isinstance(message, tuple):
            catalog.add(message, tuple(_pseudo(m) for m in message[:2]), context=context)
        else:
            catalog.add(message, _pseudo(message), context=context)
    target = directory / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "order_messages.mo", "wb") as out:
        write_mo(out, catalog)
    return len(catalog)


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    """The test host, with Flask-Babel of its own: German, the pseudo catalogue in its
    translation directory."""
    translations = tmp_path / "host_translations"
    assert pseudo_catalogue(translations, "de") > 200

    def host_babel(app: Flask) -> None:
        Babel(app, locale_selector=lambda: "de", timezone_selector=lambda: "Europe/Berlin")

    app = make_app(
        tmp_path,
        before_init=host_babel,
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
        ORDER_MESSAGES_DISPUTE_RESPONSE_HOURS=24,
    )
    add_host_pages(app)
    with app.app_context():
        fresh_tables()
    with app.test_request_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def busy_order(order: Any, customer: Any, staff: Any, as_customer: Any, as_staff: Any) -> Any:
    """An order whose thread shows much: both sides' messages, a staff-only note, a
    dispute (its event and note, its respond-by time), unread messages for both."""
    customer.name = CUSTOMER_NAME
    staff.name = STAFF_NAME
    db.session.commit()
    services.post_message(order, as_customer, USER_TEXT[0])
    services.post_message(order, as_staff, USER_TEXT[1])
    services.post_message(order, as_staff, USER_TEXT[2], note=True)
    services.open_dispute(order, as_customer, USER_TEXT[3])
    services.post_message(order, as_customer, USER_TEXT[0] + " again")
    return order


# -- what a page says ---------------------------------------------------------------------

#: Attributes a person reads (or hears).
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-om-label")


def texts_of(html: str) -> list[str]:
    """Every text a person meets in ``html``: its text (options, dialogs and hidden parts
    too), the attributes read out or shown, and the words handed to the script."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    out = [soup.get_text("\n")]
    for tag in soup.find_all(True):
        out.extend(str(tag[name]) for name in READ_ATTRIBUTES if tag.has_attr(name))
        if tag.has_attr("data-om-strings"):
            out.extend(str(v) for v in json.loads(str(tag["data-om-strings"])).values())
        if tag.has_attr("data-om-confirm-label"):
            out.append(str(tag["data-om-confirm-label"]))
    return out


def unmarked_lines(html: str, *, data: list[str]) -> list[str]:
    """The lines of ``html``'s texts that hold words outside every ``⟦ ⟧``, once ``data``
    (user data) is taken out."""
    left: list[str] = []
    for text in texts_of(html):
        previous = None
        while previous != text:  # innermost pairs first: a translation may hold another
            previous, text = text, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
        assert OPEN not in text and CLOSE not in text, f"unbalanced markers in {text!r}"
        for item in sorted(data, key=len, reverse=True):
            text = text.replace(item, " ")
        for line in text.splitlines():
            line = " ".join(line.split())
            if any(w not in NOT_WORDS for w in re.findall(r"[^\W\d_]+", line)):
                left.append(line)
    return left


def unmarked(html: str, *, data: list[str]) -> list[str]:
    """The words of :func:`unmarked_lines`."""
    lines = unmarked_lines(html, data=data)
    return [w for line in lines for w in re.findall(r"[^\W\d_]+", line) if w not in NOT_WORDS]


def assert_marked(html: str, *, data: list[str]) -> None:
    left = unmarked_lines(html, data=data)
    assert not left, f"unmarked text: {left}"


def user_data(order: Any) -> list[str]:
    from .conftest import User

    emails = [user.email for user in db.session.query(User)]
    return [CUSTOMER_NAME, STAFF_NAME, *USER_TEXT, "again", *emails, f"{order.id:05d}"]


def marked_share(html: str) -> int:
    return sum(text.count(OPEN) for text in texts_of(html))


# -- the pages ----------------------------------------------------------------------------


def test_the_pseudo_catalogue_is_the_one_used(app, browser, staff, busy_order):
    """The host's catalogue wins, and its locale is the page's: the markers show up."""
    html = browser.login(staff).get(f"/order-messages/admin/orders/{busy_order.id}").text
    assert f"{OPEN}Messages about order #{busy_order.id:05d}{CLOSE}" in html
    assert 'lang="de"' in html


def test_staff_thread_page_has_no_unmarked_words(app, browser, staff, busy_order):
    html = browser.login(staff).get(f"/order-messages/admin/orders/{busy_order.id}").text
    assert marked_share(html) > 40  # the thread, its dialogs, the team controls, the bell
    assert "om-dispute-note" in html and "om-note" in html and "om-team" in html
    assert_marked(html, data=user_data(busy_order))


def test_messages_list_has_no_unmarked_words(app, browser, staff, busy_order):
    html = browser.login(staff).get("/order-messages/admin/messages").text
    assert 'class="om-row' in html and "om-dispute-mark" in html
    assert_marked(html, data=user_data(busy_order))
    # The notice after a bulk action, and an empty list, are sentences of their own.
    browser.post(
        "/order-messages/admin/messages/mark?scope=all",
        data={"action": "read"},
    )
    empty = browser.get("/order-messages/admin/messages?filter=disputes&q=nothing-like-it").text
    assert "om-empty" in empty
    assert_marked(empty, data=[*user_data(busy_order), "nothing-like-it"])


def test_bell_has_no_unmarked_words(app, browser, staff, busy_order):
    html = browser.login(staff).get("/admin/header").text
    soup = BeautifulSoup(html, "html.parser")
    bell = soup.select_one("details.om-bell")
    assert bell is not None
    assert marked_share(str(bell)) >= 5  # its name, the counts' titles, the menu
    assert_marked(str(bell), data=user_data(busy_order))


def test_customer_tab_has_no_unmarked_words(app, browser, customer, busy_order, as_staff):
    services.post_message(busy_order, as_staff, USER_TEXT[1])
    browser.login(customer)
    orders = browser.get("/account/orders").text
    soup = BeautifulSoup(orders, "html.parser")
    ours = [soup.select_one("#host-header"), *soup.select(".om-unread-badge")]
    assert all(part is not None for part in ours) and len(ours) >= 2
    for part in ours:
        assert_marked(str(part), data=user_data(busy_order))
    html = browser.get(f"/account/orders/{busy_order.id}").text
    soup = BeautifulSoup(html, "html.parser")
    tab, thread = soup.select_one("#messages-tab"), soup.select_one("#order-messages")
    assert tab is not None and thread is not None
    assert OPEN in tab.get_text()
    for part in (tab, thread):
        assert_marked(str(part), data=user_data(busy_order))


def test_unmarked_words_are_found():
    """The check itself: English outside the markers is named, marked text and data are not."""
    html = (
        '<p title="Hello">⟦Dispute opened by %s⟧ Carol <span aria-label="⟦x ⟦y⟧⟧">29.08.2018'
        '</span></p><option>All orders</option><i data-om-strings=\'{"a": "Staff"}\'></i>'
    )
    assert sorted(unmarked(html, data=["Carol"])) == ["All", "Hello", "Staff", "orders"]
