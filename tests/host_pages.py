"""Host pages for the page tests: the places where a shop puts the extension's partials.

The test host's hooks send staff to ``/admin/orders/<id>`` and customers to
``/account/orders/<id>``; :func:`add_host_pages` adds those pages (and an order list, a customer
order list and an admin header) to the test app, built the way a host would build them:
``{{ order_messages.staff_panel(order) }}`` and friends inside its own templates.  Call it
before the app's first request.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, abort, render_template_string, request
from flask_login import current_user

from flask_order_messages import current_order_messages, mark_thread_read

from . import committing as services
from .conftest import Order, db

STAFF_ORDER = """{% extends order_messages.admin_layout %}
{% block title %}Order #{{ order.id }}{% endblock %}
{% block content %}
<h1>Order #{{ order.id }} (host page)</h1>
<nav class="host-tabs">
  <a href="?tab=details">Details</a>
  <a href="?tab=messages#order-messages"
     id="messages-tab">{{ order_messages.staff_tab_label(order) }}</a>
</nav>
{% if tab == "messages" %}{{ order_messages.staff_panel(order) }}{% endif %}
{% endblock %}"""

CUSTOMER_ORDER = """{% extends order_messages.customer_layout %}
{% block title %}Your order{% endblock %}
{% block content %}
<h1>Your order #{{ order.id }}</h1>
<nav class="host-tabs">
  <a href="?tab=messages#order-messages"
     id="messages-tab">{{ order_messages.customer_tab_label(order) }}</a>
</nav>
{{ order_messages.customer_panel(order) }}
{% endblock %}"""

CUSTOMER_ORDERS = """{% extends order_messages.customer_layout %}
{% block title %}Your orders{% endblock %}
{% block content %}
<div id="host-header">{{ order_messages.customer_header() }}</div>
{% set unread = order_messages.unread_by_order(orders) %}
<ul id="host-orders">
{% for o in orders %}
  <li id="order-{{ o.id }}"><a href="/account/orders/{{ o.id }}">Order {{ o.id }}</a>
    {{ order_messages.order_unread_badge(unread.get(o.id, 0)) }}</li>
{% endfor %}
</ul>
{% endblock %}"""

STAFF_ORDERS = """{% extends order_messages.admin_layout %}
{% block title %}Orders{% endblock %}
{% block content %}
<form method="get" id="host-filter">{{ order_messages.orders_filter(selected=mode) }}</form>
<ul id="host-orders">{% for o in orders %}<li>Order {{ o.id }}</li>{% endfor %}</ul>
{% endblock %}"""

ADMIN_HEADER = """<header id="host-admin-header">Shop admin {{ order_messages.bell() }}</header>"""


def _user() -> Any:
    if not current_user.is_authenticated:
        abort(401)
    return current_user


def add_host_pages(app: Flask) -> None:
    """Register the host's own pages that embed the extension's partials."""

    def staff_order(order_id: int) -> str:
        user = _user()
        if not user.is_admin:
            abort(403)
        order = db.session.get(Order, order_id) or abort(404)
        tab = request.args.get("tab", "details")
        if tab == "messages":
            mark_thread_read(order, "staff")  # the page shows the thread: read it now
        return render_template_string(STAFF_ORDER, order=order, tab=tab)

    def customer_order(order_id: int) -> str:
        user = _user()
        order = db.session.get(Order, order_id)
        if order is None or order.customer_id != user.id:
            abort(404)
        mark_thread_read(order, "customer")
        return render_template_string(CUSTOMER_ORDER, order=order)

    def customer_orders() -> str:
        user = _user()
        orders = list(
            db.session.execute(
                db.select(Order).where(Order.customer_id == user.id).order_by(Order.id)
            ).scalars()
        )
        return render_template_string(CUSTOMER_ORDERS, orders=orders)

    def staff_orders() -> str:
        user = _user()
        mode = request.args.get("messages", "all")
        query = services.filter_orders(
            db.select(Order).order_by(Order.id), mode, services.staff_actor(user)
        )
        orders = list(db.session.execute(query).scalars())
        return render_template_string(STAFF_ORDERS, orders=orders, mode=mode)

    def admin_header() -> str:
        _user()
        return render_template_string(ADMIN_HEADER)

    app.add_url_rule("/admin/orders/<int:order_id>", "host_staff_order", staff_order)
    app.add_url_rule("/account/orders/<int:order_id>", "host_customer_order", customer_order)
    app.add_url_rule("/account/orders", "host_customer_orders", customer_orders)
    app.add_url_rule("/admin/orders", "host_staff_orders", staff_orders)
    app.add_url_rule("/admin/header", "host_admin_header", admin_header)


# -- reading pages the way a person would -----------------------------------------------------

#: Where the test host mounts the extension's blueprint.
P = "/order-messages"

_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)
_ROW = re.compile(r'<tr class="(om-row[^"]*)"[^>]*>(.*?)</tr>', re.S)


def page(response: Any) -> str:
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def staff_order_page(browser: Any, order: Any, tab: str = "messages", query: str = "") -> str:
    """The host's admin order page on ``tab``, as text (a 200 is asserted)."""
    response = browser.get(f"/admin/orders/{order.id}?tab={tab}{query}")
    assert response.status_code == 200
    return page(response)


def customer_order_page(browser: Any, order: Any) -> str:
    """The host's customer order page, as text (a 200 is asserted)."""
    response = browser.get(f"/account/orders/{order.id}")
    assert response.status_code == 200
    return page(response)


def staff_thread(browser: Any, order: Any, query: str = "") -> str:
    """The thread section of the admin order page's Messages tab."""
    return thread_section(staff_order_page(browser, order, query=query))


def customer_thread(browser: Any, order: Any) -> str:
    """The thread section of the customer order page."""
    return thread_section(customer_order_page(browser, order))


def follow(browser: Any, response: Any, *, to: str | None = None) -> str:
    """The page a 303 ``response`` leads to, as text (a 200 is asserted); ``to``: the path
    and query it must lead to, before its draft marker (``&om_draft=...``)."""
    assert response.status_code == 303, response.status_code
    target = response.headers["Location"]
    if to is not None:
        assert target.split("om_draft=")[0].rstrip("?&") == to, target
    landed = browser.get(target)
    assert landed.status_code == 200
    return page(landed)


def words(fragment: str) -> str:
    """Visible text of an HTML fragment, tags removed, entities decoded, white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def links(fragment: str) -> list[tuple[str, str]]:
    """(href, visible text) of every link in ``fragment``, hrefs decoded."""
    found = []
    for attrs, inner in _LINK.findall(fragment):
        match = re.search(r'href="([^"]*)"', attrs)
        if match:
            found.append((html.unescape(match.group(1)), words(inner)))
    return found


def link_to(fragment: str, text: str) -> str:
    """The href of the one link whose text starts with ``text``."""
    hrefs = [href for href, label in links(fragment) if label.startswith(text)]
    assert len(hrefs) == 1, f"expected one link {text!r}, found {hrefs} in {links(fragment)}"
    return hrefs[0]


@dataclass
class Row:
    """One row of the Messages section."""

    classes: str
    text: str
    href: str | None
    thread_id: int

    @property
    def unread(self) -> bool:
        return "om-unread" in self.classes.split()


def rows(fragment: str) -> list[Row]:
    found = []
    for classes, inner in _ROW.findall(fragment):
        hrefs = links(inner)
        box = re.search(r'name="thread_id" value="(\d+)"', inner)
        assert box is not None
        found.append(Row(classes, words(inner), hrefs[0][0] if hrefs else None, int(box.group(1))))
    return found


def thread_section(fragment: str) -> str:
    """The thread partial (``<section id="order-messages">``) of a page."""
    start = fragment.index('id="order-messages"')
    return fragment[start : fragment.index("</section>", start)]


def entry_bodies(fragment: str) -> list[str]:
    """The texts of the thread's entries, in page order: a message's body; an event's
    sentence (in the reader's language) and the words written with it."""
    found = []
    for entry in re.findall(r"<li\b.*?</li>", fragment, re.S):  # a host's entries too
        parts = re.findall(r'<div class="om-(?:event-sentence|body)"[^>]*>(.*?)</div>', entry, re.S)
        if parts:
            found.append(" ".join(words(part) for part in parts))
    return found


def textarea(fragment: str, name: str = "body") -> str:
    """The text inside the textarea named ``name`` (as the browser would show it)."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', fragment, re.S)
    assert match is not None, f"no textarea {name!r}"
    return html.unescape(match.group(1))


def route_path(rule: Any, order: Any, *, token: str | None = None) -> str:
    """The path of one of the blueprint's URL rules for ``order``: ``<order_id>`` is the order's
    key, ``<token>`` a fresh guest link token for it (or ``token``), ``<filename>`` the
    extension's stylesheet.  Any other argument fails, naming the rule."""
    from flask_order_messages.tokens import make_guest_token

    values = {
        "order_id": lambda: str(order.id),
        "token": lambda: token if token is not None else make_guest_token(order),
        "filename": lambda: "order_messages.css",
        "attachment_id": lambda: attachment_id_for(order.id),
        "thread_id": question_id_for,
        "endpoint_id": webhook_endpoint_id_for,
        "reply_id": canned_reply_id_for,
    }
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"{rule.rule}: no test value for {sorted(unknown)}; add one to route_path"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", values[name](), path)
    return path  # type: ignore[no-any-return]


def add_webhook_endpoint() -> None:
    """A webhook endpoint whose deliveries fail at once, without a connection (a loopback
    address, refused while ``WEBHOOK_ALLOW_PRIVATE`` is off)."""
    from flask_order_messages.webhooks.signing import new_secret

    endpoint = current_order_messages.models.WebhookEndpoint(
        url="http://127.0.0.1:9/hooks", secret=new_secret(), events=" message.posted "
    )
    db.session.add(endpoint)
    db.session.commit()


def webhook_endpoint_id_for() -> str:
    """The id of the first webhook endpoint, or a made-up one."""
    ep = current_order_messages.models.WebhookEndpoint
    found = db.session.execute(db.select(ep.id).order_by(ep.id)).scalar()
    return str(found) if found is not None else "987654"


def canned_reply_id_for() -> str:
    """The id of the first canned reply, or a made-up one."""
    c = current_order_messages.models.CannedReply
    found = db.session.execute(db.select(c.id).order_by(c.id)).scalar()
    return str(found) if found is not None else "987654"


def question_id_for() -> str:
    """The id of the first question about a product (questions before purchase), or a
    made-up one."""
    t = current_order_messages.models.Thread
    found = db.session.execute(
        db.select(t.id).where(t.product_key.is_not(None)).order_by(t.id)
    ).scalar()
    return str(found) if found is not None else "987654"


#: The smallest PNG: a 1x1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def attachment_id_for(order_key: Any) -> str:
    """The id of the first attachment on ``order_key``'s thread, or a made-up one."""
    models = current_order_messages.models
    a, m, t = models.Attachment, models.Message, models.Thread
    # A URL segment ("1", or a malformed "abc") is typed as the order key first: PostgreSQL
    # refuses to compare an integer column with a string.
    if isinstance(order_key, str):
        order_key = current_order_messages.parse_order_key(order_key)
        if order_key is None:
            return "987654"
    found = db.session.execute(
        db.select(a.id)
        .join(m, m.id == a.message_id)
        .join(t, t.id == m.thread_id)
        .where(t.order_id == order_key)
        .order_by(a.id)
    ).scalar()
    return str(found) if found is not None else "987654"


def add_attachment(order: Any, actor: Any, name: str = "label.png") -> Any:
    """A message with one small PNG on ``order``, by ``actor``; returns the attachment."""
    message = services.post_message(order, actor, "A picture", files=[(name, PNG)])
    return message.attachments[0]


def db_state() -> tuple[Any, ...]:
    """Everything a POST could change: every row, every column, of every table the extension
    has (threads, messages, disputes, read pointers, outbox, attachments, canned replies, and
    any table added later), so "nothing changed" means nothing at all."""
    import dataclasses

    models = current_order_messages.models
    db.session.expire_all()
    # Plain SQL on the session's connection: the rows as the driver gives them, without the
    # ORM's statement building and result processing (two states of one test are compared).
    connection = db.session.connection()
    quote = connection.dialect.identifier_preparer.quote

    def rows_of(model: Any) -> list[tuple[Any, ...]]:
        table = model.__table__
        order = ", ".join(quote(column.name) for column in table.primary_key.columns)
        found = connection.exec_driver_sql(f"SELECT * FROM {quote(table.name)} ORDER BY {order}")
        return [tuple(row) for row in found]

    # Drafts are the one row a refused post writes: its text, kept for its writer (see
    # services/drafts.py); tests of drafts look at them directly.
    return tuple(
        (field.name, rows_of(getattr(models, field.name)))
        for field in dataclasses.fields(models)
        if field.name != "Draft"
    )


def backdate(order: Any, when: datetime) -> None:
    """Move every date of ``order``'s thread (messages, thread, disputes) to ``when``."""
    models = current_order_messages.models
    thread_id = services.get_thread(order).id
    m, t, d = models.Message, models.Thread, models.Dispute
    db.session.execute(db.update(m).where(m.thread_id == thread_id).values(created_at=when))
    db.session.execute(db.update(t).where(t.id == thread_id).values(last_message_at=when))
    db.session.execute(db.update(d).where(d.thread_id == thread_id).values(opened_at=when))
    db.session.commit()
