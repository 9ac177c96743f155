"""The Flask-Admin recipe (example_shop/recipes/admin_shop) walked with a test client: the
Messages section as a Flask-Admin menu item, its pages in Flask-Admin's layout, the staff panel
on the order's details page, the bell in the navbar, both sides of a thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .recipe_support import post_form, require

require("flask_admin")

from example_shop.recipes.admin_shop import create_app  # noqa: E402
from example_shop.recipes.admin_shop.models import Order, User, db  # noqa: E402


def build(tmp_path: Any) -> Any:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}",
            "ORDER_MESSAGES_ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
        }
    )
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Any]:
    app = build(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def login(client: Any, email: str, password: str) -> Any:
    return post_form(client, "/login", "/login", email=email, password=password)


def order_id(app: Any, number: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Order.id).where(Order.number == number))


def test_customer_writes_staff_answers_on_the_flask_admin_details_page(app: Any) -> None:
    oid = order_id(app, "A-2001")
    carol = app.test_client()
    assert login(carol, "carol@example.com", "carol1234").status_code == 302
    post_form(
        carol,
        f"/orders/{oid}",
        f"/order-messages/orders/{oid}/messages",
        body="Is the kettle induction-ready?",
        next=f"/orders/{oid}",
    )

    staff = app.test_client()
    login(staff, "admin@example.com", "admin1234")
    orders = staff.get("/admin/orders/").text
    assert 'data-om-count="unread_threads">1<' in orders  # the bell in Flask-Admin's navbar
    assert "1 unread message" in orders  # the badge beside the order number
    # The Messages menu item leads to the extension's section, drawn in Flask-Admin's layout.
    section = staff.get("/admin/messages/", follow_redirects=True).text
    assert "Is the kettle induction-ready?" in section
    assert 'class="navbar-brand"' in section and "Admin Shop" in section
    assert f"/admin/orders/details/?id={oid}" in section  # a row opens Flask-Admin's page
    details = f"/admin/orders/details/?id={oid}"
    assert "Is the kettle induction-ready?" in staff.get(details).text
    post_form(
        staff,
        details,
        f"/order-messages/admin/orders/{oid}/messages",
        body="Yes, it works on induction.",
        next=details,
    )
    assert "Yes, it works on induction." in carol.get(f"/orders/{oid}").text
    assert 'data-om-count="unread_threads">0<' in staff.get("/admin/orders/").text


def test_messages_filter_in_the_flask_admin_list(app: Any) -> None:
    oid = order_id(app, "A-2002")
    carol = app.test_client()
    login(carol, "carol@example.com", "carol1234")
    post_form(carol, f"/orders/{oid}", f"/order-messages/orders/{oid}/messages", body="Size 02?")
    staff = app.test_client()
    login(staff, "admin@example.com", "admin1234")
    unread = staff.get("/admin/orders/?flt0_0=unread").text
    assert "#A-2002" in unread and "#A-2001" not in unread
    everything = staff.get("/admin/orders/?flt0_0=bogus").text  # a hand-edited URL
    assert everything.count("#A-200") == 3


def test_flask_admin_and_messages_are_staff_only(app: Any) -> None:
    visitor = app.test_client()
    for url in ("/admin/", "/admin/orders/", "/admin/messages/"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    dan = app.test_client()
    login(dan, "dan@example.com", "dan12345")
    for url in ("/admin/", "/admin/orders/", "/admin/messages/"):
        assert dan.get(url).status_code == 404, url
    assert dan.get("/order-messages/admin/messages").status_code == 403
    with app.app_context():
        db.session.scalar(db.select(User).where(User.email == "dan@example.com")).is_admin = True
        db.session.commit()
    assert dan.get("/admin/orders/").status_code == 200


def test_customer_pages_are_their_own(app: Any) -> None:
    carol = app.test_client()
    login(carol, "carol@example.com", "carol1234")
    assert carol.get(f"/orders/{order_id(app, 'A-2003')}").status_code == 404
    page = carol.get("/orders").text
    assert "#A-2001" in page and "#A-2003" not in page


def test_logout_is_a_post_with_a_token(app: Any) -> None:
    carol = app.test_client()
    login(carol, "carol@example.com", "carol1234")
    assert carol.get("/logout").status_code == 405
    assert carol.post("/logout").status_code == 400
    post_form(carol, "/orders", "/logout")
    assert carol.get("/orders").status_code == 302


def test_every_staff_page_of_the_extension_is_drawn_in_flask_admin(app: Any) -> None:
    oid = order_id(app, "A-2001")
    staff = app.test_client()
    login(staff, "admin@example.com", "admin1234")
    for url in (
        "/order-messages/admin/messages?filter=unread",
        f"/order-messages/admin/orders/{oid}",
        f"/order-messages/admin/orders/{oid}/dispute/open",
        "/order-messages/admin/canned-replies",
        "/order-messages/admin/insight",
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert 'class="navbar-brand"' in response.text, url  # Flask-Admin's navbar ...
        assert '<li class="active">' in response.text, url  # ... with Messages active
    # A refused post comes back to the order's page in Flask-Admin, with words, not a traceback.
    details = f"/admin/orders/details/?id={oid}"
    refused = post_form(
        staff, details, f"/order-messages/admin/orders/{oid}/messages", body="   ", next=details
    )
    assert refused.status_code == 303
    assert refused.headers["Location"].startswith(details)
    back = staff.get(refused.headers["Location"])
    assert back.status_code == 200
    assert "Your message cannot be empty." in back.text
    assert 'class="navbar-brand"' in back.text


def test_doctor_passes_once_the_shop_knows_its_address(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVER_NAME", "shop.example.com")
    app = build(tmp_path)
    result = app.test_cli_runner().invoke(args=["order-messages", "doctor"])
    assert result.exit_code == 0, result.output
    assert "ERROR" not in result.output
    assert "admin/master.html" in result.output  # it followed the layout into Flask-Admin's
    with app.app_context():
        db.engine.dispose()
