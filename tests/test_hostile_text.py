"""The hostile corpus (tests/hostile_payloads.py) posted as messages, dispute reasons and search
words, then read back everywhere it shows: the thread (staff and customer, the extension's pages
and the host's), the Messages list preview, search results, the bell's header, the JSON live
feed, the pages that give refused text back, and the notification mail's HTML.

Each page is parsed and must be inert: no tag from the corpus (no script other than the
extension's own file, no img/iframe/svg/object/form from text), no event-handler attribute
other than the templates' own, no ``javascript:``/``data:`` URL, and inside the text containers
nothing but ``<br>`` and safe http(s) links.  And each text reads back exactly as typed:
``{{ 7*7 }}`` stays ``{{ 7*7 }}``, never 49.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from flask_order_messages.templating import excerpt

from . import committing as services
from .conftest import db, make_order
from .host_pages import P, follow, page, textarea, thread_section, words
from .hostile_payloads import PAYLOADS, expected_text, stored_text

#: Tags no text may ever become.
FORBIDDEN_TAGS = {
    "img", "iframe", "svg", "object", "embed", "style", "base", "video", "audio", "source",
    "math", "marquee", "frame", "frameset", "applet", "noscript", "x", "mtext", "scr",
}  # fmt: skip
#: The templates' own drawn icons: an ``<svg>`` with one of these classes, outside any text.
OWN_ICONS = {"om-bell-icon", "om-envelope-icon"}
#: Tags a page has at most once.
ONCE = {"html", "head", "body", "title", "main"}
#: Classes of the elements that hold people's text.
TEXT_CLASSES = {"om-body", "om-excerpt", "om-dispute-reason"}
#: The templates' own event handlers (the orders filter submits on change).
OWN_HANDLERS = {("select", "onchange")}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href"}
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "embed", "area", "col", "wbr"}
LINK_REL = "nofollow noopener noreferrer"


def _scheme(value: str) -> str:
    squeezed = "".join(ch for ch in html.unescape(value) if ch > " ").lower()
    return squeezed.split(":", 1)[0] if ":" in squeezed else ""


class InertPage(HTMLParser):
    """Collects every way a page shows markup that came from text."""

    def __init__(self, *, containers: set[str] = TEXT_CLASSES, container_tags=()) -> None:
        super().__init__(convert_charrefs=True)
        self.containers = containers
        self.container_tags = set(container_tags)
        self.stack: list[tuple[str, bool]] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = {}
        self.in_script = False

    @property
    def in_text(self) -> bool:
        return any(is_container for _, is_container in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.counts[tag] = self.counts.get(tag, 0) + 1
        where = f"<{tag} {values}>"
        own_icon = tag == "svg" and not self.in_text and values.get("class") in OWN_ICONS
        if tag in FORBIDDEN_TAGS and not own_icon:
            self.problems.append(f"forbidden tag {where}")
        if tag in ONCE and self.counts[tag] > 1:
            self.problems.append(f"second {tag}: {where}")
        for name, value in values.items():
            if name.startswith("on") and (tag, name) not in OWN_HANDLERS:
                self.problems.append(f"event handler {where}")
            if name == "srcdoc" or name == "http-equiv":
                self.problems.append(f"attribute {name}: {where}")
            if name in URL_ATTRS and _scheme(value) in ("javascript", "data", "vbscript"):
                self.problems.append(f"{_scheme(value)}: URL {where}")
        if self.in_text:
            if tag == "a":
                href = values.get("href", "")
                if _scheme(href) not in ("http", "https") or values.get("rel") != LINK_REL:
                    self.problems.append(f"unsafe link in text {where}")
                if set(values) != {"href", "rel", "target"}:
                    self.problems.append(f"extra attributes on a link in text {where}")
            elif tag != "br":
                self.problems.append(f"markup inside text {where}")
        else:
            for name in ("src", "action", "formaction"):
                value = values.get(name, "")
                if _scheme(value) and not value.startswith("http://shop.test/"):
                    self.problems.append(f"off-site {name} {where}")
            if tag in ("link", "base", "meta") and _scheme(values.get("href", "")):
                if not values["href"].startswith("http://shop.test/"):
                    self.problems.append(f"off-site {tag} {where}")
        if tag == "script":
            if not values.get("src", "").startswith(f"{P}/static/"):
                self.problems.append(f"a script that is not the extension's file {where}")
            self.in_script = True
        if tag not in VOID:
            classes = set(values.get("class", "").split())
            container = bool(classes & self.containers) or tag in self.container_tags
            self.stack.append((tag, container))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return
        self.problems.append(f"stray </{tag}>")

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append(f"inline script {data[:80]!r}")


def plain(fragment: str) -> str:
    """The text a person reads in a text container: tags dropped without adding space (a
    link is part of its sentence), line breaks as spaces, white space folded."""
    text = re.sub(r"<br\s*/?>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def bodies(markup: str) -> list[str]:
    """The texts of a page's thread entries, in page order."""
    section = thread_section(markup)
    found = re.findall(r'<div class="om-body" dir="auto">(.*?)</div>', section, re.S)
    return [plain(b) for b in found]


def assert_inert(markup: str, where: str, **kw: Any) -> None:
    parser = InertPage(**kw)
    parser.feed(markup)
    parser.close()
    assert not parser.problems, f"{where}: {parser.problems[:5]}"


pytestmark = pytest.mark.usefixtures("host_pages")


def test_every_payload_in_one_thread_reads_back_exactly_and_inert(
    app, order, customer, staff, browser, outbox
):
    as_customer = services.customer_actor(customer)
    for text in PAYLOADS.values():
        services.post_message(order, as_customer, text)
    expected = [expected_text(t) for t in PAYLOADS.values()]

    browser.login(staff)
    # A long thread folds its middle once read: every page is asked with the fold open
    # (?om_unfold=1), and the folded admin page is checked for inertness too.
    shown = {
        "staff thread page": page(browser.get(f"{P}/admin/orders/{order.id}?om_unfold=1")),
        "host admin order page": page(
            browser.get(f"/admin/orders/{order.id}?tab=messages&om_unfold=1")
        ),
        "host admin header (bell)": page(browser.get("/admin/header")),
    }
    folded = page(browser.get(f"/admin/orders/{order.id}?tab=messages"))
    assert_inert(folded, "host admin order page, folded")
    browser.login(customer)
    shown["customer thread page"] = page(browser.get(f"{P}/orders/{order.id}?om_unfold=1"))
    shown["host customer order page"] = page(browser.get(f"/account/orders/{order.id}?om_unfold=1"))
    shown["host customer orders"] = page(browser.get("/account/orders"))
    for where, markup in shown.items():
        assert_inert(markup, where)
        if "order-messages" in markup and "om-entries" in markup:
            assert bodies(markup) == expected, where
    literal = bodies(shown["staff thread page"])
    assert literal[list(PAYLOADS).index("jinja expression")] == "{{ 7*7 }}"
    assert literal[list(PAYLOADS).index("jinja config")] == "{{ config }} {{ config.SECRET_KEY }}"
    assert "test-secret" not in "".join(shown.values())

    # The live feed's HTML is the same escaped text.
    feed = browser.login(staff).get(f"{P}/api/admin/orders/{order.id}/entries").get_json()
    assert [plain(e["html"]) for e in feed["entries"]] == expected
    for entry in feed["entries"]:
        assert_inert(f'<div class="om-body">{entry["html"]}</div>', "live feed")

    # One mail to staff per message: its HTML is inert, its subject one line.
    assert len(outbox) == len(PAYLOADS)
    for mail, text in zip(outbox, PAYLOADS.values(), strict=True):
        assert_inert(mail.html, f"mail for {text[:30]!r}", container_tags={"blockquote"})
        quoted = re.search(r"<blockquote[^>]*>(.*?)</blockquote>", mail.html, re.S).group(1)
        assert plain(quoted) == expected_text(text)
        assert "\r" not in mail.subject and "\n" not in mail.subject
        assert stored_text(text) in mail.body  # the plain-text part carries it as typed


def test_every_payload_as_a_dispute_reason_and_list_preview(app, customer, staff, browser, outbox):
    as_customer = services.customer_actor(customer)
    orders = {}
    for name, text in PAYLOADS.items():
        order = make_order(customer)
        services.post_message(order, as_customer, text)
        services.open_dispute(order, as_customer, text)
        orders[name] = order
    ids = {name: o.id for name, o in orders.items()}

    browser.login(staff)
    previews: list[str] = []
    page_number = 1
    while True:
        markup = page(browser.get(f"{P}/admin/messages", query_string={"page": page_number}))
        assert_inert(markup, f"Messages page {page_number}")
        previews += [
            plain(x)
            for x in re.findall(r'<span class="om-excerpt"[^>]*>(.*?)</span>', markup, re.S)
        ]
        if 'rel="next"' not in markup:
            break
        page_number += 1
    assert sorted(previews) == sorted(
        "Dispute opened: " + excerpt(stored_text(t)) for t in PAYLOADS.values()
    )

    for name, text in PAYLOADS.items():
        for path in (
            f"{P}/admin/orders/{ids[name]}",
            f"{P}/admin/orders/{ids[name]}/dispute/close",
            f"{P}/orders/{ids[name]}/dispute/close",
        ):
            who = customer if path.startswith(f"{P}/orders") else staff
            markup = page(browser.login(who).get(path))
            assert_inert(markup, f"{path} ({name})")
            reasons = re.findall(
                r'class="om-dispute-reason"[^>]*>(.*?)</(?:div|blockquote)>', markup, re.S
            )
            assert [plain(r) for r in reasons] == [expected_text(text)], (path, name)

    # Each dispute mailed staff: the reason quoted, inert.
    dispute_mails = [m for m in outbox if "opened a dispute" in m.body]
    assert len(dispute_mails) == len(PAYLOADS)
    for mail in dispute_mails:
        assert_inert(mail.html, "dispute mail", container_tags={"blockquote"})


def test_every_payload_as_search_words(app, order, customer, staff, browser):
    """Each payload searched for, in a shop whose one thread holds all of them (one test, not
    one per payload: on a server database a test's empty tables and people cost more than
    its search)."""
    as_customer = services.customer_actor(customer)
    for text in PAYLOADS.values():
        services.post_message(order, as_customer, text)
    browser.login(staff)
    for name, query in PAYLOADS.items():
        response = browser.get(f"{P}/admin/messages", query_string={"q": query})
        assert response.status_code in (200, 400), name
        markup = page(response)
        assert_inert(markup, f"search {name}")
        if response.status_code == 200:
            box = re.search(r'<input type="search" name="q" value="([^"]*)"', markup)
            assert box is not None, name
            typed = "".join(ch for ch in query if ch.isspace() or ch >= " " and ch != "\x7f")
            assert html.unescape(box.group(1)) == typed, name
        else:
            assert "This search is too long" in words(markup), name


@pytest.mark.parametrize("field", ["body", "reason"])
def test_refused_text_comes_back_escaped(app, order, customer, browser, field):
    browser.login(customer)
    path = (
        f"{P}/orders/{order.id}/messages"
        if field == "body"
        else (f"{P}/orders/{order.id}/dispute/open")
    )
    for name, text in PAYLOADS.items():
        typed = text + " " + "z" * 5001  # too long for either field
        response = browser.post(path, {field: typed})
        if field == "body":
            # Back on the customer's order page, the text in the panel's reply box.
            markup = follow(browser, response)
        else:
            # The dispute page without JavaScript answers with its own form.
            assert response.status_code == 400, name
            markup = page(response)
        assert_inert(markup, f"refused {field} {name}")
        # As typed; the reply box's draft is stored, less any NUL (PostgreSQL refuses one).
        kept = typed.replace("\x00", "") if field == "body" else typed
        assert _lines(textarea(markup, field)) == _lines(kept), name


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_rate_limited_text_comes_back_escaped(app, order, customer, browser):
    # The default limit, 20 a minute, is on.
    browser.login(customer)
    path = f"{P}/orders/{order.id}/messages"
    for n in range(20):
        assert browser.post(path, {"body": f"m{n}"}).status_code == 303
    for name, text in PAYLOADS.items():
        response = browser.post(path, {"body": text})
        assert response.status_code == 429, name
        markup = page(response)
        assert_inert(markup, f"429 {name}")
        assert _lines(textarea(markup)) == _lines(text), name


def test_hostile_names_stay_out_of_mail_headers(app, order, customer, staff, outbox):
    customer.name = "Eve\r\nBcc: victim@example.com\r\n<script>" + "x" * 30
    db.session.commit()
    services.post_message(order, services.customer_actor(customer), "hello")
    (mail,) = outbox
    assert "\r" not in mail.subject and "\n" not in mail.subject
    assert mail.recipients == [staff.email]
    assert not mail.bcc
    assert_inert(mail.html, "mail with a hostile name", container_tags={"blockquote"})
