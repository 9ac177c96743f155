"""The example shop as a test host: its own app on the test database, fresh tables, people
with the password ``pw``, and a logged-in test client.  Used where a test measures or attacks
the shop's own pages (bench/ measures the same pages)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PASSWORD = "pw"


@contextmanager
def shop_app(tmp_path: Path, config: dict[str, Any] | None = None) -> Iterator[Any]:
    """The shop on ``TEST_DATABASE_URL`` (a fresh SQLite file otherwise) with empty tables,
    dropped again afterwards (``config``: more settings).  The test host's tables of the same
    names point at its own orders, so they are dropped first."""
    from example_shop.app import create_app
    from example_shop.models import db

    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'shop.sqlite'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "shop-test",
            "ORDER_MESSAGES_POST_RATE_LIMIT": None,
            **(config or {}),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def add_people(*names: str, staff: tuple[str, ...] = ()) -> list[Any]:
    """Shop users ``<name>@shop.test`` with the password :data:`PASSWORD`, committed; those
    named in ``staff`` are staff.  Inside the shop's app context."""
    from werkzeug.security import generate_password_hash

    from example_shop.models import User, db

    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    people = [
        User(
            name=name,
            email=f"{name.lower()}@shop.test",
            password_hash=hashed,
            is_staff=name in staff,
        )
        for name in names
    ]
    db.session.add_all(people)
    db.session.commit()
    return people


def logged_in(app: Any, email: str) -> Any:
    """A test client logged in through the shop's login form; ``client.token`` is its CSRF
    token."""
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    client.token = token
    return client
