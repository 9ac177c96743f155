"""Our pages inside a host's own layouts: a main block not called ``content``, no ``title``
block, a sidebar filled by the host blueprint's context processor, the host's CSS classes on
the partials' controls, and a bell drawn as SVG rather than an emoji."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from flask_order_messages.config import ConfigError
from flask_order_messages.tokens import make_guest_token

from . import committing as services
from .host_pages import P, page, textarea, thread_section, words
from .hosts import body_block_host, define_host, make_host_app

TEMPLATES = Path(__file__).resolve().parent.parent / "flask_order_messages" / "templates"


def inside(html: str, element_id: str) -> str:
    """The inner HTML of the element with this id (the host layout's main area)."""
    start = html.index(f'id="{element_id}"')
    tag = html[html.rfind("<", 0, start) + 1 : start].split()[0]
    begin = html.index(">", start) + 1
    depth = 1
    for match in re.finditer(rf"<(/?){tag}\b", html[begin:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[begin : begin + match.start()]
    raise AssertionError(f"no end of #{element_id}")


def get(h: Any, client: Any, url: str, status: int = 200) -> str:
    response = h.get(client, url)
    assert response.status_code == status, (url, response.status_code)
    return page(response)


def test_staff_pages_fill_a_body_block_without_title_and_show_the_host_sidebar(tmp_path):
    with body_block_host(tmp_path) as h:
        admin = h.add_user("Ada Admin", admin=True)
        carol = h.add_user("Carol")
        talk, quarrel = h.add_order(carol), h.add_order(carol)
        services.post_message(talk, services.customer_actor(carol), "Where is my parcel?")
        services.open_dispute(quarrel, services.customer_actor(carol), "It came broken")
        client = h.login(h.app.test_client(), admin)
        pages = {
            f"{P}/admin/messages": "Messages",
            f"{P}/admin/orders/{talk.id}": f"Order #{talk.id} · Messages",
            f"{P}/admin/canned-replies": "Canned replies",
            f"{P}/admin/canned-replies/new": "New canned reply",
            f"{P}/admin/insight": "Response times",
            f"{P}/admin/orders/{talk.id}/dispute/open": f"Open a dispute on order #{talk.id}",
            f"{P}/admin/orders/{quarrel.id}/dispute/close": "Close the dispute",
        }
        for url, heading in pages.items():
            html = get(h, client, url)
            main = inside(html, "host-main")
            assert f"<h1>{heading}" in main, url
            # The layout's own title stays (it has no title block), the sidebar is filled.
            assert "<title>Shop admin</title>" in html, url
            assert words(inside(html, "host-sidebar")) == "Dashboard Orders Customers", url
        assert "Where is my parcel?" in words(
            inside(get(h, client, f"{P}/admin/messages"), "host-main")
        )
        # An error page of ours is inside the same layout (a search too long: 400).
        html = get(h, client, f"{P}/admin/messages?q={'x' * 300}", status=400)
        assert "This search is too long" in words(inside(html, "host-main"))
        assert "Dashboard" in words(inside(html, "host-sidebar"))


def test_customer_pages_fill_the_storefront_block(tmp_path):
    with body_block_host(tmp_path) as h:
        carol = h.add_user("Carol")
        order = h.add_order(carol)
        services.post_message(order, services.customer_actor(carol), "Hello shop")
        client = h.login(h.app.test_client(), carol)
        for url in (
            f"{P}/orders/{order.id}",
            f"{P}/orders/{order.id}/dispute/open",
        ):
            html = get(h, client, url)
            assert f"order #{order.id}" in words(inside(html, "host-page")).lower(), url
            assert words(inside(html, "host-shop-nav")) == "Corner Shop", url
        guest = h.app.test_client()
        html = get(h, guest, f"{P}/t/{make_guest_token(order)}")
        assert "Hello shop" in words(inside(html, "host-page"))
        assert words(inside(html, "host-shop-nav")) == "Corner Shop"


def test_host_order_pages_without_tabs_take_the_host_classes(tmp_path):
    with body_block_host(tmp_path) as h:
        admin = h.add_user("Ada Admin", admin=True)
        carol = h.add_user("Carol")
        order = h.add_order(carol)
        client = h.login(h.app.test_client(), admin)
        panel = thread_section(get(h, client, f"/manage/orders/{order.id}"))
        assert re.search(
            r'<textarea id="om-body-\d+" name="body" rows="4" required autocomplete="off"'
            r' class="form-control"',
            panel,
        )
        assert re.search(r'<input type="file" name="files" class="form-control"', panel)
        assert (
            '<button type="submit" class="om-button om-primary btn btn-primary">Send</button>'
            in panel
        )
        assert 'class="om-button om-danger-outline btn btn-primary"' in panel  # "Open dispute"
        customer = h.login(h.app.test_client(), carol)
        panel = thread_section(get(h, customer, f"/shop/orders/{order.id}"))
        assert 'class="form-control"' in panel
        assert '<button type="submit" class="om-button om-primary btn">Send</button>' in panel


def test_refused_posts_come_back_inside_the_host_pages(tmp_path):
    with body_block_host(tmp_path) as h:
        admin = h.add_user("Ada Admin", admin=True)
        carol = h.add_user("Carol")
        order = h.add_order(carol)
        typed = "A long answer " + "z" * 5986  # 6,000 characters: over the limit
        client = h.login(h.app.test_client(), admin)
        response = h.post(client, f"{P}/admin/orders/{order.id}/messages", {"body": typed})
        # No "next" (the form always has one; a bare POST has not): the staff_order_url hook.
        html = follow_host(h, client, response, f"/manage/orders/{order.id}?tab=messages")
        assert "Your message is too long: 6,000 characters" in words(inside(html, "host-main"))
        assert textarea(thread_section(html)) == typed
        assert "Dashboard" in words(inside(html, "host-sidebar"))
        shopper = h.login(h.app.test_client(), carol)
        response = h.post(
            shopper,
            f"{P}/orders/{order.id}/messages",
            {"body": "  ", "next": f"/shop/orders/{order.id}"},
        )
        html = follow_host(h, shopper, response, f"/shop/orders/{order.id}")
        assert "Your message cannot be empty." in words(inside(html, "host-page"))


def follow_host(h: Any, client: Any, response: Any, to: str) -> str:
    assert response.status_code == 303
    target = response.headers["Location"]
    assert target.split("om_draft=")[0].rstrip("?&") == to, target
    return get(h, client, target)


def test_orders_filter_takes_the_host_select_class(app, staff, browser):
    helpers = app.jinja_env.globals["order_messages"]
    html = str(helpers.orders_filter("unread", select_class="form-select"))
    assert '<select name="messages" class="form-select"' in html
    assert 'value="unread" selected' in html
    assert 'class="' not in str(helpers.orders_filter("all")).split("<select", 1)[1].split(">")[0]


def test_the_bell_is_drawn_not_an_emoji(app, staff, browser):
    html = page(browser.login(staff).get(f"{P}/admin/messages"))
    bell = html[html.index('<details class="om-bell') : html.index("</details>")]
    assert re.search(r'<svg class="om-bell-icon" aria-hidden="true" focusable="false"', bell)
    summary = re.search(r'<summary aria-label="([^"]+)"', bell)
    assert summary is not None and summary.group(1) == "Messages: 0 unread, 0 open disputes"
    assert not re.search(r"[\U0001F000-\U0001FAFF\u2600-\u27BF]|&#(1[0-9]{4,}|9[0-9]{3});", bell)


def test_no_template_of_ours_draws_with_emoji_or_symbol_characters():
    # An emoji, or a symbol such as the envelope, shows as an empty box without a font that
    # has it; our templates draw icons as SVG.
    symbol = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
    entity = re.compile(r"&#(\d+);|&#x([0-9a-fA-F]+);")
    found = []
    for path in TEMPLATES.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {m.group(0)!r}" for m in symbol.finditer(text)]
        for m in entity.finditer(text):
            char = chr(int(m.group(1)) if m.group(1) else int(m.group(2), 16))
            if symbol.match(char):
                found.append(f"{path.name}: {m.group(0)}")
    assert found == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ADMIN_LAYOUT_BLOCK", "main content"),
        ("ADMIN_LAYOUT_BLOCK", "{% endblock %}"),
        ("CUSTOMER_LAYOUT_BLOCK", ""),
        ("CUSTOMER_LAYOUT_BLOCK", "title"),
        ("ADMIN_BLUEPRINT", "admin panel"),
        ("CUSTOMER_BLUEPRINT", 3),
    ],
)
def test_block_and_blueprint_names_are_checked(tmp_path, key, value):
    db, User, _Order, ext = define_host()
    with pytest.raises(ConfigError, match=f"ORDER_MESSAGES_{key} (must|names)"):
        make_host_app(tmp_path, db, User, ext, **{f"ORDER_MESSAGES_{key}": value})


def test_an_unknown_host_blueprint_is_logged_and_the_page_still_shows(
    tmp_path, caplog: pytest.LogCaptureFixture
):
    db, User, _Order, ext = define_host()
    app = make_host_app(tmp_path, db, User, ext, ORDER_MESSAGES_ADMIN_BLUEPRINT="backoffice")
    with app.test_request_context():
        db.create_all()
        admin = User(is_admin=True, name="Ada", email="ada@x.test")
        db.session.add(admin)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(admin.id)
        with caplog.at_level(logging.WARNING, logger="flask_order_messages"):
            response = client.get(f"{P}/admin/messages")
        assert response.status_code == 200
        assert "ORDER_MESSAGES_ADMIN_BLUEPRINT is 'backoffice'" in caplog.text
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_the_default_layout_still_fills_content(app, staff, browser):
    html = page(browser.login(staff).get(f"{P}/admin/messages"))
    assert "<title>Messages</title>" in html
    main = html[html.index('<main class="om-standalone-main">') :]
    assert "<h1>Messages</h1>" in main
