"""A host overrides any of the extension's templates by putting a file with the same path in its
own templates folder, and names the layout the staff pages extend."""

from __future__ import annotations

import pytest
from flask import render_template_string

from . import committing as services
from .conftest import Browser, Order, User, db, make_app
from .host_pages import P, entry_bodies, page, words

HOST_BELL = """{#- Context: counts. -#}
<div class="host-bell">Inbox: {{ counts.unread_threads }} new, {{ counts.open_disputes }} disputes
<a href="{{ order_messages.messages_url(filter='unread') }}">see them</a></div>"""

HOST_ENTRY = """<li class="host-entry">[{{ view.name_of(entry.author_id) }}] says:
<div class="om-body" dir="auto">{{ entry.body | om_text }}</div></li>"""

HOST_ADMIN_LAYOUT = """<!doctype html>
<html><head><title>{% block title %}{% endblock %} - Shop admin</title>
{{ order_messages.assets() }}</head>
<body><nav id="host-admin-nav">Shop admin</nav>
<main>{% block content %}{% endblock %}</main></body></html>"""


@pytest.fixture
def host(tmp_path):
    """A host app whose own templates folder overrides two partials and has an admin layout."""
    folder = tmp_path / "host_templates"
    (folder / "order_messages").mkdir(parents=True)
    (folder / "admin").mkdir()
    (folder / "order_messages" / "_bell.html").write_text(HOST_BELL)
    (folder / "order_messages" / "_entry.html").write_text(HOST_ENTRY)
    (folder / "admin" / "base.html").write_text(HOST_ADMIN_LAYOUT)
    (tmp_path / "db").mkdir()
    app = make_app(tmp_path / "db", ORDER_MESSAGES_ADMIN_LAYOUT="admin/base.html")
    app.template_folder = str(folder)  # as Flask(__name__, template_folder=...) would

    @app.route("/admin/dashboard")
    def dashboard() -> str:
        return render_template_string("<header>{{ order_messages.bell() }}</header>")

    with app.app_context():
        db.drop_all()
        db.create_all()
    with app.test_request_context():
        staff = User(name="Admin Admin", email="admin@example.test", is_admin=True)
        customer = User(name="Carol Customer", email="carol@example.test")
        db.session.add_all([staff, customer])
        db.session.commit()
        order = make_order_for(customer)
        yield app, staff, customer, order
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def make_order_for(user: User) -> Order:
    order = Order(customer_id=user.id, total=5)
    db.session.add(order)
    db.session.commit()
    return order


def test_host_bell_replaces_the_extension_s(host):
    app, staff, customer, order = host
    services.post_message(order, services.customer_actor(customer), "Hello")
    browser = Browser(app).login(staff)
    html = page(browser.get("/admin/dashboard"))
    assert "Inbox: 1 new, 0 disputes" in words(html)
    assert f'href="{P}/admin/messages?filter=unread"' in html
    assert "om-bell" not in html


def test_host_entry_template_is_used_inside_the_extension_s_thread(host):
    app, staff, customer, order = host
    services.post_message(order, services.customer_actor(customer), "First")
    services.post_message(order, services.staff_actor(staff), "Second")
    html = page(Browser(app).login(staff).get(f"{P}/admin/orders/{order.id}"))
    assert "[Carol Customer] says: First" in words(html)
    assert "[Admin Admin] says: Second" in words(html)
    assert entry_bodies(html) == ["First", "Second"]
    assert 'class="om-entry' not in html
    # Not overridden: still the extension's own thread partial around the entries.
    assert 'id="order-messages"' in html and "Write your message here" in html


def test_staff_pages_extend_the_layout_named_by_config(host):
    app, staff, customer, order = host
    services.post_message(order, services.customer_actor(customer), "Hello")
    browser = Browser(app).login(staff)
    for path in (
        f"{P}/admin/messages",
        f"{P}/admin/orders/{order.id}",
        f"{P}/admin/orders/{order.id}/dispute/open",
    ):
        html = page(browser.get(path))
        assert '<nav id="host-admin-nav">Shop admin</nav>' in html, path
        assert "- Shop admin</title>" in html, path
        assert "order_messages.css" in html, path
    # Customer pages keep the customer layout (the extension's default here).
    html = page(Browser(app).login(customer).get(f"{P}/orders/{order.id}"))
    assert "host-admin-nav" not in html
    assert 'class="om-standalone"' in html


def test_errors_on_staff_pages_use_the_admin_layout(host):
    app, staff, customer, order = host
    browser = Browser(app).login(staff)
    response = browser.post(
        f"{P}/admin/orders/{order.id}/messages", {"body": "no token"}, csrf=False
    )
    assert response.status_code == 400
    assert "host-admin-nav" in page(response)
    response = (
        Browser(app)
        .login(customer)
        .post(f"{P}/orders/{order.id}/messages", {"body": "no token"}, csrf=False)
    )
    assert response.status_code == 400
    assert "host-admin-nav" not in page(response)


def test_templates_not_overridden_stay_the_extension_s(host):
    app, staff, customer, order = host
    with app.test_request_context():
        helpers = app.jinja_env.globals["order_messages"]
        assert str(helpers.order_unread_badge(2)).strip() == (
            '<span class="om-unread-badge">2 unread messages</span>'
        )
