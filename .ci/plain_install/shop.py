"""The smallest host shop, glued as the README says, for `.ci/plain-install`.

It runs in a virtualenv holding only ``pip install flask-order-messages`` (no extras), so it
imports nothing else.  ``SHOP_DATABASE_URL`` names its database (SQLite by default).
"""

from __future__ import annotations

import os

import click
import sqlalchemy as sa
from flask import Flask, url_for
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy

from flask_order_messages import OrderMessages, customer_actor, services, unit_of_work

db = SQLAlchemy()
login_manager = LoginManager()


class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    email = db.Column(db.String(120))
    is_staff = db.Column(db.Boolean, default=False)


class Order(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "purchases"
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer)


order_messages = OrderMessages(
    db=db, order_model=Order, user_model=User, order_customer_key="customer_id"
)


@order_messages.staff_check
def is_staff(user: User) -> bool:
    return bool(user.is_staff)


@order_messages.staff_recipients
def staff_recipients() -> list[str]:
    return [u.email for u in db.session.execute(sa.select(User).filter_by(is_staff=True)).scalars()]


@order_messages.staff_order_url
def admin_order_url(order: Order) -> str:
    return url_for("admin_order", order_id=order.id)


@order_messages.customer_order_url
def my_order_url(order: Order) -> str:
    return url_for("my_order", order_id=order.id)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="plain-install-check",
        SQLALCHEMY_DATABASE_URI=os.environ.get("SHOP_DATABASE_URL", "sqlite:///shop.sqlite"),
        MAIL_DEFAULT_SENDER="shop@example.test",
        MAIL_SUPPRESS_SEND=True,
        SERVER_NAME="shop.test",
        # Posts only fill the outbox: `send-mail` delivers them.
        ORDER_MESSAGES_MAIL_DELIVERY="off",
    )
    db.init_app(app)
    login_manager.init_app(app)
    order_messages.init_app(app)

    @app.route("/admin/orders/<int:order_id>")
    def admin_order(order_id: int) -> str:
        return f"admin order {order_id}"

    @app.route("/orders/<int:order_id>")
    def my_order(order_id: int) -> str:
        return f"my order {order_id}"

    @app.cli.command("seed")
    def seed() -> None:
        """The shop's own tables (the extension's come from its migrations), two people, an
        order and a customer message waiting in the outbox."""
        db.metadata.create_all(db.engine, tables=[User.__table__, Order.__table__])
        staff = User(name="Stella Staff", email="staff@example.test", is_staff=True)
        customer = User(name="Carl Customer", email="carl@example.test")
        db.session.add_all([staff, customer])
        db.session.commit()
        order = Order(customer_id=customer.id)
        db.session.add(order)
        db.session.commit()
        with app.test_request_context("/"), unit_of_work():
            services.post_message(order, customer_actor(customer), "Where is my parcel?")
        click.echo("seeded")

    return app
