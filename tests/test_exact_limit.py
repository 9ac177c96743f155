"""The posting limit under real parallelism: N posts by one person sent at once, over HTTP, to
a threaded server, let exactly the limit through (303) and refuse the rest (429), whatever the
database and whether the limit counts in memory or in Redis.  And many people posting at once
on SQLite wait their turn: nobody gets a 5xx."""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask, g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import User, db, fresh_tables, make_app, make_order
from .host_pages import P

REDIS_URL = "redis://127.0.0.1:6379/0"
STORAGES = {"memory": "memory://", "redis": REDIS_URL}


@pytest.fixture(params=sorted(STORAGES))
def storage(request: Any) -> str:
    return STORAGES[request.param]


@pytest.fixture
def server_app(tmp_path: Any, storage: str) -> Iterator[Flask]:
    app = make_app(
        tmp_path,
        ORDER_MESSAGES_POST_RATE_LIMIT="20 per minute",
        ORDER_MESSAGES_RATE_LIMIT_STORAGE=storage,
        # Runs that share Redis never count each other.
        RATELIMIT_KEY_PREFIX=f"om-exact-{uuid.uuid4().hex}",
    )
    with app.app_context():
        fresh_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


def _user(name: str) -> User:
    user = User(name=name, email=f"{name.lower()}@example.test", is_admin=False)
    db.session.add(user)
    db.session.commit()
    return user


class Served:
    """The app behind a real threaded HTTP server on 127.0.0.1."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=30)

    def signed_in(self, user_id: int) -> tuple[str, str]:
        """(a session cookie of ``user_id``, a CSRF token that goes with it)."""
        with self.app.test_request_context():
            g.pop("csrf_token", None)  # cached for whoever asked first in this app context
            token = generate_csrf()
            data = dict(session, _user_id=str(user_id), _fresh=True)
            serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
            cookie = serializer.dumps(data)
        return f"{self.app.config['SESSION_COOKIE_NAME']}={cookie}", token

    def post(self, path: str, cookie: str, fields: dict[str, str]) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=60)
        try:
            body = urlencode(fields)
            conn.request(
                "POST",
                path,
                body=body,
                headers={
                    "Host": "shop.test",
                    "Cookie": cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()


def all_at_once(jobs: list[Any]) -> list[Any]:
    """Run the jobs in threads released together; their results (or errors)."""
    start = threading.Barrier(len(jobs), timeout=30)
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # asserted on by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def message_count() -> int:
    db.session.rollback()  # a fresh snapshot
    m = ext.models.Message
    return int(db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one())


def test_forty_posts_at_once_let_exactly_the_limit_through(server_app):
    customer = _user("Carol")
    order = make_order(customer)
    path = f"{P}/orders/{order.id}/messages"
    with Served(server_app) as served:
        cookie, token = served.signed_in(customer.id)

        def job(n: int) -> Any:
            fields = {"body": f"message {n}", "csrf_token": token}
            return lambda: served.post(path, cookie, fields)

        statuses = all_at_once([job(n) for n in range(40)])
    assert Counter(statuses) == {303: 20, 429: 20}
    assert message_count() == 20


@contextmanager
def slow_disk() -> Iterator[None]:
    """Every flush takes a tenth of a second longer, as on a slow disk or a busy machine: 50
    posts then keep SQLite's write lock for longer than the driver's 5 s busy timeout in all."""

    def slow(*args: Any) -> None:
        time.sleep(0.1)

    sa.event.listen(Session, "after_flush", slow)
    try:
        yield
    finally:
        sa.event.remove(Session, "after_flush", slow)


# One storage is enough: the database is what is under test here (no Redis case, not skipped).
@pytest.mark.parametrize("storage", [STORAGES["memory"]])
def test_many_posters_at_once_wait_their_turn(server_app, storage):
    people = [_user(f"Customer{n}") for n in range(50)]
    orders = [make_order(person) for person in people]
    for person, order in zip(people, orders, strict=True):
        services.post_message(order, services.customer_actor(person), "an earlier message")
    jobs = []
    with Served(server_app) as served, slow_disk():
        for person, order in zip(people, orders, strict=True):
            cookie, token = served.signed_in(person.id)
            fields = {"body": f"from {person.name}", "csrf_token": token}
            path = f"{P}/orders/{order.id}/messages"
            jobs.append(
                lambda path=path, cookie=cookie, fields=fields: served.post(path, cookie, fields)
            )
        statuses = all_at_once(jobs)
    assert Counter(statuses) == {303: 50}
    assert message_count() == 100
