"""Message bodies are plain text: escaped everywhere they appear, line breaks kept, http(s)
links clickable and safe, nothing a customer types can run or reach the template engine."""

from __future__ import annotations

import re

import pytest

from . import committing as services
from .conftest import db
from .host_pages import P, entry_bodies, follow, page, thread_section, words

NASTY = (
    "<script>alert('x')</script>\n"
    '<img src=x onerror="alert(1)">\n'
    "javascript:alert(document.cookie)\n"
    "{{ 7*7 }} {% if true %}jinja{% endif %}\n"
    '"><svg onload=alert(2)>'
)


pytestmark = pytest.mark.usefixtures("host_pages")


def assert_inert(html: str) -> None:
    """Nothing in ``html`` came from the message as markup."""
    assert "<script>alert" not in html
    assert not re.search(r"<img\b", html)
    # The bell's drawn icon is the one <svg> a page has.
    assert not re.search(r'<svg\b(?! class="om-(bell|envelope)-icon" aria-hidden="true")', html)
    assert not re.search(r"<[a-z][^>]*\s(onerror|onload|onmouseover)=", html, re.I)
    assert not re.search(r'href="\s*javascript:', html, re.I)


def pages_showing(browser, order, staff, customer) -> dict[str, str]:
    browser.login(staff)
    shown = {
        "staff tab": page(browser.get(f"/admin/orders/{order.id}?tab=messages")),
        "staff thread page": page(browser.get(f"{P}/admin/orders/{order.id}")),
        "messages section": page(browser.get(f"{P}/admin/messages")),
        "search": page(browser.get(f"{P}/admin/messages", query_string={"q": "alert"})),
    }
    browser.login(customer)
    shown["customer tab"] = page(browser.get(f"/account/orders/{order.id}"))
    shown["customer thread page"] = page(browser.get(f"{P}/orders/{order.id}"))
    return shown


def test_bodies_are_escaped_everywhere(order, as_customer, staff, customer, browser):
    services.post_message(order, as_customer, NASTY)
    for where, html in pages_showing(browser, order, staff, customer).items():
        assert_inert(html)
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, where
        assert "{{ 7*7 }} {% if true %}jin" in words(html), where  # the list cuts it short


def test_template_syntax_is_shown_literally(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "{{ 7*7 }} and {{ config }}")
    html = thread_section(page(browser.login(staff).get(f"{P}/admin/orders/{order.id}")))
    assert entry_bodies(html) == ["{{ 7*7 }} and {{ config }}"]
    assert "SECRET" not in html and "test-secret" not in html


def test_line_breaks_are_kept(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "line one\nline two\r\n\r\nline four")
    html = thread_section(page(browser.login(staff).get(f"{P}/admin/orders/{order.id}")))
    assert "line one<br>\nline two<br>\n<br>\nline four" in html


def test_http_links_are_clickable_and_safe(order, as_customer, staff, browser):
    services.post_message(
        order,
        as_customer,
        "Tracking: https://track.example/p?id=1&x=2. Also (http://shop.example/faq), "
        'and https://evil.example/"onmouseover="alert(1) too',
    )
    html = thread_section(page(browser.login(staff).get(f"{P}/admin/orders/{order.id}")))
    anchors = re.findall(r"<a [^>]*>[^<]*</a>", html)
    assert (
        '<a href="https://track.example/p?id=1&amp;x=2" rel="nofollow noopener noreferrer" '
        'target="_blank">https://track.example/p?id=1&amp;x=2</a>'
    ) in anchors
    # Trailing punctuation stays outside the link.
    assert '<a href="http://shop.example/faq" rel="nofollow noopener noreferrer"' in html
    assert "http://shop.example/faq</a>)," in html
    # A quote ends the link; it never breaks out of the attribute.
    assert '<a href="https://evil.example/" rel="nofollow noopener noreferrer"' in html
    assert not re.search(r"<a [^>]*onmouseover", html)
    for anchor in re.findall(r"<a [^>]*href=\"https?://[^\"]*\"[^>]*>", html):
        assert 'rel="nofollow noopener noreferrer"' in anchor


def test_other_schemes_are_not_linked(order, as_customer, staff, browser):
    services.post_message(
        order,
        as_customer,
        "javascript:alert(1) data:text/html,<b>x</b> vbscript:x ftp://files.example/ "
        "JaVaScRiPt://x.example/%0aalert(1)",
    )
    html = thread_section(page(browser.login(staff).get(f"{P}/admin/orders/{order.id}")))
    body = re.search(r'<div class="om-body" dir="auto">(.*?)</div>', html, re.S).group(1)
    assert "<a " not in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body


def test_dispute_reason_and_names_are_escaped(order, customer, staff, browser):
    customer.name = "<b>Eve</b> <script>x()</script>"
    db.session.commit()
    services.open_dispute(order, services.customer_actor(customer), "<i>angry</i>\nsecond line")
    browser.login(staff)
    for path in (
        f"{P}/admin/orders/{order.id}",
        f"{P}/admin/orders/{order.id}/dispute/close",
        f"{P}/admin/messages",
    ):
        html = page(browser.get(path))
        assert "<i>angry</i>" not in html and "<b>Eve</b>" not in html, path
        assert "<script>x()" not in html, path
        assert "&lt;i&gt;angry&lt;/i&gt;" in html, path
    html = page(browser.get(f"{P}/admin/orders/{order.id}"))
    assert "Dispute opened by &lt;b&gt;Eve&lt;/b&gt;" in html
    assert "&lt;i&gt;angry&lt;/i&gt;<br>\nsecond line" in html


def test_search_words_and_refused_text_are_escaped(order, customer, staff, browser):
    html = page(
        browser.login(staff).get(f"{P}/admin/messages", query_string={"q": '"><script>x()'})
    )
    assert "<script>x()" not in html
    assert 'value="&#34;&gt;&lt;script&gt;x()"' in html
    response = browser.login(customer).post(
        f"{P}/orders/{order.id}/messages", {"body": "</textarea><script>x()</script>" + "a" * 5000}
    )
    html = follow(browser, response)
    assert "<script>x()" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html


def test_cancel_links_never_take_a_foreign_or_script_next(order, customer, staff, browser):
    browser.login(staff)
    for bad in ("javascript:alert(1)", "//evil.example/", "https://evil.example/"):
        for path in (
            f"{P}/admin/orders/{order.id}/dispute/open",
            f"{P}/admin/orders/{order.id}/dispute/close",
        ):
            html = page(browser.get(path, query_string={"next": bad}))
            assert "evil.example" not in html and "javascript:" not in html, (path, bad)


def test_live_entries_json_carries_escaped_html(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "<script>x()</script> https://ok.example/")
    data = browser.login(staff).get(f"{P}/api/admin/orders/{order.id}/entries").get_json()
    (entry,) = data["entries"]
    assert entry["html"].startswith(
        '&lt;script&gt;x()&lt;/script&gt; <a href="https://ok.example/"'
    )
    assert 'rel="nofollow noopener noreferrer"' in entry["html"]


def test_control_characters_are_exactly_unicodes_but_line_feed_and_tab():
    """Every code point Unicode files as a control character (category Cc) is removed from
    what people type, but line feed and tab (in a one-line field every blank one); nothing
    else is touched."""
    import sys
    import unicodedata

    from flask_order_messages.services.common import strip_controls

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    kept = "".join(ch for ch in every if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    assert strip_controls(every) == kept
    assert len(every) - len(kept) == 63  # U+0000-U+001F and U+007F-U+009F, less two
    blank = "".join(ch for ch in every if ch.isspace() or unicodedata.category(ch) != "Cc")
    assert strip_controls(every, keep_blank=True) == blank
