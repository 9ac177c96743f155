"""The Flask-Security-Too recipe (example_shop/recipes/security_shop) walked with a test client:
its own login, the staff check from the role, both sides of a thread, CSRF both ways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .recipe_support import csrf_token, post_form, require

require("flask_security")

from example_shop.recipes.security_shop import create_app  # noqa: E402
from example_shop.recipes.security_shop.models import Order, Role, User, db  # noqa: E402


def build(tmp_path: Any, **config: Any) -> Any:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}",
            "SECURITY_PASSWORD_HASH": "plaintext",  # seeding in milliseconds
            "ORDER_MESSAGES_ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
            **config,
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
    """Through Flask-Security-Too's own login form, token and all."""
    return post_form(client, "/login", "/login", email=email, password=password)


def order_id(app: Any, number: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Order.id).where(Order.number == number))


def test_seed_prints_the_logins_and_runs_once(app: Any) -> None:
    again = app.test_cli_runner().invoke(args=["seed"])
    assert "nothing done" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 3


def test_login_page_is_flask_security_inside_the_shop_layout(app: Any) -> None:
    page = app.test_client().get("/login").text
    assert 'name="login_user_form"' in page
    assert "Security Shop" in page  # the shop's header around Flask-Security's form


def test_customer_writes_staff_sees_bell_and_answers(app: Any) -> None:
    oid = order_id(app, "S-1001")
    carol = app.test_client()
    assert login(carol, "carol@example.com", "carol1234").status_code == 302
    response = post_form(
        carol,
        f"/orders/{oid}",
        f"/order-messages/orders/{oid}/messages",
        body="Can the kettle come gift-wrapped?",
        next=f"/orders/{oid}",
    )
    assert response.status_code in (302, 303)
    assert "Can the kettle come gift-wrapped?" in carol.get(f"/orders/{oid}").text

    staff = app.test_client()
    login(staff, "admin@example.com", "admin1234")
    orders = staff.get("/admin/orders?messages=unread").text
    assert "#S-1001" in orders and "#S-1003" not in orders  # the filter on the host's list
    assert 'data-om-count="unread_threads">1<' in orders  # the bell in the admin header
    listing = staff.get("/order-messages/admin/messages").text
    assert "Can the kettle come gift-wrapped?" in listing
    assert f"/admin/orders/{oid}" in listing  # rows open the shop's own order page
    post_form(
        staff,
        f"/admin/orders/{oid}",
        f"/order-messages/admin/orders/{oid}/messages",
        body="Yes, free of charge.",
        next=f"/admin/orders/{oid}",
    )
    page = carol.get(f"/orders/{oid}").text
    assert "Yes, free of charge." in page
    # The staff member has only an email; the customer sees the store, never that address.
    assert "admin@example.com" not in page
    assert "Store team" in page


def test_staff_check_follows_the_role(app: Any) -> None:
    dan = app.test_client()
    login(dan, "dan@example.com", "dan12345")
    assert dan.get("/admin/orders").status_code == 404
    assert dan.get("/order-messages/admin/messages").status_code == 403
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "dan@example.com"))
        user.roles.append(db.session.scalar(db.select(Role).where(Role.name == "admin")))
        db.session.commit()
    assert dan.get("/admin/orders").status_code == 200
    assert dan.get("/order-messages/admin/messages").status_code == 200


def test_visitors_go_to_flask_security_login(app: Any) -> None:
    client = app.test_client()
    for url in ("/admin/orders", "/order-messages/admin/messages", "/orders"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_customer_cannot_see_another_customers_order(app: Any) -> None:
    carol = app.test_client()
    login(carol, "carol@example.com", "carol1234")
    dans = order_id(app, "S-1003")
    assert carol.get(f"/orders/{dans}").status_code == 404
    assert carol.get(f"/order-messages/orders/{dans}").status_code == 404


def test_logout_is_a_post_with_a_token(app: Any) -> None:
    carol = app.test_client()
    login(carol, "carol@example.com", "carol1234")
    assert carol.get("/logout").status_code == 405
    assert carol.post("/logout").status_code == 400  # no token: refused, still logged in
    assert carol.get("/orders").status_code == 200
    token = csrf_token(carol.get("/orders").text)
    carol.post("/logout", data={"csrf_token": token})
    assert carol.get("/orders").status_code == 302


@pytest.mark.parametrize("check_default", [True, False])
def test_extension_posts_need_a_token_however_csrf_is_set_up(tmp_path: Any, check_default: bool):
    """Flask-Security-Too's documented set-up for mixed apps turns off CSRFProtect's global
    check (WTF_CSRF_CHECK_DEFAULT=False); the extension's forms are still protected."""
    config: dict[str, Any] = {"WTF_CSRF_CHECK_DEFAULT": check_default}
    if not check_default:
        config["SECURITY_CSRF_PROTECT_MECHANISMS"] = ["session", "basic"]
    app = build(tmp_path, **config)
    oid = order_id(app, "S-1001")
    carol = app.test_client()
    assert login(carol, "carol@example.com", "carol1234").status_code == 302
    url = f"/order-messages/orders/{oid}/messages"
    assert carol.post(url, data={"body": "no token"}).status_code == 400
    post_form(carol, f"/orders/{oid}", url, body="with a token", next=f"/orders/{oid}")
    page = carol.get(f"/orders/{oid}").text
    assert "with a token" in page and "no token" not in page
    with app.app_context():
        db.engine.dispose()


def test_doctor_passes_once_the_shop_knows_its_address(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bare").mkdir()
    app = build(tmp_path / "bare")
    assert app.test_cli_runner().invoke(args=["order-messages", "doctor"]).exit_code != 0
    with app.app_context():
        db.engine.dispose()
    monkeypatch.setenv("SERVER_NAME", "shop.example.com")
    app = build(tmp_path)
    result = app.test_cli_runner().invoke(args=["order-messages", "doctor"])
    assert result.exit_code == 0, result.output
    assert "ERROR" not in result.output
    with app.app_context():
        db.engine.dispose()
