"""The posting rate limit (``ORDER_MESSAGES_POST_RATE_LIMIT``, Flask-Limiter): per person,
shared by every route that adds to a thread, only posts that went through count, a friendly
429 page keeps the text, configurable and off-switchable, Redis for several workers, and a
host's own Limiter is used rather than fought."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from flask_order_messages import ConfigError
from flask_order_messages.config import PREFIX

from . import committing as services
from .conftest import Browser, User, db, make_app, make_order, order_messages
from .host_pages import P, db_state, page, textarea, words

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # A key prefix of this test's own, so runs that share Redis never count each other.
    return {"RATELIMIT_KEY_PREFIX": f"om-test-{uuid.uuid4().hex}"}


@pytest.fixture
def app(tmp_path: Any, app_config: dict[str, Any]) -> Iterator[Flask]:
    """The conftest host app, with this module's config."""
    config = dict(app_config)
    before_init = config.pop("before_init", None)
    app = make_app(tmp_path, before_init=before_init, **config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    with app.test_request_context():
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def post(browser: Browser, order: Any, body: str, *, side: str = "customer") -> Any:
    path = (
        f"{P}/orders/{order.id}/messages"
        if side == "customer"
        else (f"{P}/admin/orders/{order.id}/messages")
    )
    return browser.post(path, {"body": body, "next": f"/account/orders/{order.id}"})


def set_limit(app_config: dict[str, Any], value: Any) -> None:
    app_config["ORDER_MESSAGES_POST_RATE_LIMIT"] = value


def test_the_default_is_twenty_a_minute_per_person(app, order, customer, stranger, staff):
    owner = Browser(app).login(customer)
    for n in range(20):
        assert post(owner, order, f"message {n}").status_code == 303, n
    before = db_state()
    response = post(owner, order, "the twenty-first, typed with care")
    assert response.status_code == 429
    text = words(page(response))
    assert "You're sending messages quickly — please wait a minute" in text
    assert "Nothing was lost" in text
    # The typed text is kept, in a form that sends it again.
    assert textarea(page(response)) == "the twenty-first, typed with care"
    assert 'action="/order-messages/orders/' in page(response)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert db_state() == before

    # Other people are not slowed down by Carol.
    other_order = make_order(stranger)
    assert post(Browser(app).login(stranger), other_order, "mine").status_code == 303
    assert post(Browser(app).login(staff), order, "staff", side="staff").status_code == 303
    # Reading is never limited.
    assert owner.get(f"{P}/orders/{order.id}").status_code == 200


@pytest.fixture
def three_a_minute(app_config):
    set_limit(app_config, "3 per minute")


def test_one_limit_covers_messages_and_disputes(three_a_minute, app, order, customer):
    owner = Browser(app).login(customer)
    assert post(owner, order, "one").status_code == 303
    assert owner.post(f"{P}/orders/{order.id}/dispute/open", {"reason": "two"}).status_code == 303
    assert owner.post(f"{P}/orders/{order.id}/dispute/close", {}).status_code == 303
    before = db_state()
    response = owner.post(f"{P}/orders/{order.id}/dispute/open", {"reason": "Broken again"})
    assert response.status_code == 429
    assert textarea(page(response), "reason") == "Broken again"
    assert db_state() == before


def test_refused_posts_do_not_count(three_a_minute, app, order, customer):
    owner = Browser(app).login(customer)
    for _ in range(5):
        refused = post(owner, order, "   ")  # empty: back to the form, the text kept
        assert refused.status_code == 303 and "om_draft=" in refused.headers["Location"]
        response = owner.post(
            f"{P}/orders/{order.id}/messages", {"body": "x", "csrf_token": "forged"}, csrf=False
        )
        assert response.status_code == 400
    for n in range(3):
        assert post(owner, order, f"real {n}").status_code == 303
    assert post(owner, order, "too many").status_code == 429


def test_the_guest_link_counts_for_the_orders_customer(three_a_minute, app, order, customer):
    from flask_order_messages.tokens import make_guest_token

    owner = Browser(app).login(customer)
    for n in range(2):
        assert post(owner, order, f"logged in {n}").status_code == 303
    guest = Browser(app).login(None)
    path = f"{P}/t/{make_guest_token(order)}"
    assert guest.post(path, {"body": "from the mail"}).status_code == 303
    response = guest.post(path, {"body": "one more from the mail"})
    assert response.status_code == 429
    assert textarea(page(response)) == "one more from the mail"


def test_marking_read_and_unread_is_not_limited(three_a_minute, app, order, customer, staff):
    services.post_message(order, services.customer_actor(customer), "hello")
    admin = Browser(app).login(staff)
    for _ in range(6):
        assert (
            admin.post(f"{P}/admin/messages/mark?scope=all", {"action": "unread"}).status_code
            == 303
        )
        assert admin.post(f"{P}/admin/orders/{order.id}/unread", {}).status_code == 303


@pytest.fixture
def two_per_two_seconds(app_config):
    set_limit(app_config, "2 per 2 seconds")


def test_after_the_wait_the_kept_text_goes_through(two_per_two_seconds, app, order, customer):
    owner = Browser(app).login(customer)
    assert post(owner, order, "one").status_code == 303
    assert post(owner, order, "two").status_code == 303
    refused = post(owner, order, "three, kept")
    assert refused.status_code == 429
    time.sleep(2.2)
    # "Send again" posts the kept text with the form's own token.
    html = page(refused)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    owner._fresh_user()
    again = owner.client.post(
        re.search(r'<form method="post" action="([^"]+)"', html).group(1),
        data={"csrf_token": token, "body": textarea(html), "next": "/account/orders/1"},
    )
    assert again.status_code == 303
    bodies = [
        m.body for m in services.thread_view(order, services.customer_actor(customer)).entries
    ]
    assert bodies == ["one", "two", "three, kept"]


@pytest.mark.parametrize("off", [None, ""])
def test_none_or_empty_turns_it_off(app_config, tmp_path, off):
    set_limit(app_config, off)
    app = make_app(tmp_path, **app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        with app.test_request_context():
            carol = User(name="Carol", email="carol@example.test")
            db.session.add(carol)
            db.session.commit()
            order = make_order(carol)
            owner = Browser(app).login(carol)
            for n in range(25):
                assert post(owner, order, f"m{n}").status_code == 303
            assert "limiter" not in app.extensions
            db.session.remove()
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("POST_RATE_LIMIT", "lots", "a rate such as '20 per minute'"),
        ("POST_RATE_LIMIT", "0 per minute", "a rate such as '20 per minute'"),
        ("POST_RATE_LIMIT", 20, "a rate such as '20 per minute'"),
        ("RATE_LIMIT_STORAGE", "", "non-empty string"),
        ("RATE_LIMIT_STORAGE", "127.0.0.1:6379", "storage URI"),
        ("RATE_LIMIT_STORAGE", "ftp://x", "storage URI"),
    ],
)
def test_a_wrong_value_fails_at_init_app_naming_the_key(key, value, says):
    app = Flask("bad_rate_limit")
    app.config[PREFIX + key] = value
    with pytest.raises(ConfigError) as info:
        order_messages.init_app(app)
    assert f"{PREFIX}{key}" in str(info.value)
    assert says in str(info.value)
    assert repr(value) in str(info.value)


def _redis_up() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


def test_redis_storage_counts_across_workers(app_config, tmp_path, three_a_minute):
    """Two apps (two gunicorn workers, say) on one Redis share each person's count."""
    import os

    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not running at {REDIS_URL} (CI starts it).")
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    app_config["ORDER_MESSAGES_RATE_LIMIT_STORAGE"] = REDIS_URL
    first = make_app(tmp_path / "one", **app_config)
    second = make_app(tmp_path / "two", **app_config)
    (tmp_path / "one").mkdir()
    with first.app_context():
        db.drop_all()
        db.create_all()
    try:
        with first.test_request_context():
            carol = User(name="Carol", email="carol@example.test")
            db.session.add(carol)
            db.session.commit()
            order = make_order(carol)
            carol, order = SimpleNamespace(id=carol.id), SimpleNamespace(id=order.id)
            # Both workers read the same database when it is PostgreSQL or MariaDB; on SQLite
            # the second app's file is a copy made now.
            db.session.remove()
        if second.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            import shutil

            (tmp_path / "two").mkdir()
            shutil.copyfile(tmp_path / "one" / "test.sqlite", tmp_path / "two" / "test.sqlite")
        workers = [Browser(first), Browser(second)]
        results = []
        for n in range(4):
            worker = workers[n % 2]
            with worker.client.application.test_request_context():
                worker.login(carol)
                results.append(post(worker, order, f"m{n}").status_code)
                db.session.remove()
        assert results == [303, 303, 303, 429]
    finally:
        for app in (first, second):
            with app.app_context():
                db.drop_all()
                db.engine.dispose()


def _host_limiter(app: Flask) -> None:
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    app.extensions["test_host_limiter"] = Limiter(
        get_remote_address,
        app=app,
        storage_uri="memory://",
        default_limits=["1000 per hour"],
        headers_enabled=True,
    )


@pytest.fixture
def host_has_a_limiter(app_config):
    app_config["before_init"] = _host_limiter
    app_config["ORDER_MESSAGES_POST_RATE_LIMIT"] = "2 per minute"


def test_a_hosts_own_limiter_is_used_not_fought(host_has_a_limiter, app, order, customer):
    host = app.extensions["test_host_limiter"]
    # One Limiter on the app: the host's, with our limit added; its own limits still apply.
    assert app.extensions["limiter"] == {host}
    owner = Browser(app).login(customer)
    first = post(owner, order, "one")
    assert first.status_code == 303
    # The host's default limit (headers on) is still counted on our route.
    assert first.headers["X-RateLimit-Limit"] in ("1000", "2")
    assert post(owner, order, "two").status_code == 303
    response = post(owner, order, "three")
    assert response.status_code == 429
    assert "please wait a minute" in words(page(response))
    # The host's other pages are untouched by our limit.
    assert owner.get("/login").status_code == 200


@pytest.fixture
def storage_down(app_config):
    from .smtp_server import free_port

    app_config["ORDER_MESSAGES_RATE_LIMIT_STORAGE"] = f"redis://127.0.0.1:{free_port()}/0"
    set_limit(app_config, "3 per minute")


def test_a_storage_that_is_down_never_stops_anyone_posting(storage_down, app, order, customer):
    """The limit is a courtesy; the messages matter more.  With Redis down each process counts
    in its own memory meanwhile, so the limit still holds there."""
    owner = Browser(app).login(customer)
    assert [post(owner, order, f"m{n}").status_code for n in range(4)] == [303, 303, 303, 429]
