"""Configuration: defaults, validation at init_app with the key named, one registration per app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_order_messages import ConfigError, ValidationError
from flask_order_messages.config import DEFAULTS, PREFIX
from flask_order_messages.extension import current_settings

from . import committing as services
from .conftest import User, db, make_app, make_order, order_messages


def test_defaults_are_applied_to_the_app_config(app):
    for key, value in DEFAULTS.items():
        if key in ("POLL_INTERVAL", "ATTACHMENT_FOLDER"):
            continue  # the test host sets these
        assert app.config[PREFIX + key] == value
    assert current_settings.per_page == 20
    assert current_settings.mail_delivery == "sync"
    assert current_settings.url_prefix == "/order-messages"


def test_every_key_is_documented_in_the_readme_table_with_its_default():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `ORDER_MESSAGES_(\w+)` \| `([^`]*)` \|", readme, flags=re.M))
    assert sorted(rows) == sorted(DEFAULTS)
    for key, value in DEFAULTS.items():
        assert rows[key] == str(value), key


@pytest.fixture
def host_app(tmp_path):
    """Make an app with extra config, tables created; cleaned up afterwards."""
    made: list[Flask] = []

    def build(**config: Any) -> Flask:
        app = make_app(tmp_path / f"app{len(made)}", **config)
        (tmp_path / f"app{len(made)}").mkdir()
        made.append(app)
        with app.app_context():
            db.create_all()
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def _people() -> tuple[Any, Any, Any]:
    staff = User(name="Admin", email="admin@example.test", is_admin=True)
    carol = User(name="Carol", email="carol@example.test")
    db.session.add_all([staff, carol])
    db.session.commit()
    return staff, carol, make_order(carol)


def test_host_values_win_over_defaults(host_app):
    app = host_app(
        ORDER_MESSAGES_PER_PAGE=2,
        ORDER_MESSAGES_MAX_BODY_LENGTH=10,
        ORDER_MESSAGES_URL_PREFIX="/support/",
        ORDER_MESSAGES_MAIL_ENABLED=False,
    )
    assert app.config["ORDER_MESSAGES_PER_PAGE"] == 2
    with app.test_request_context():
        staff, carol, _ = _people()
        staff_id = staff.id
        as_staff = services.staff_actor(staff)
        for _ in range(3):
            services.post_message(make_order(carol), services.customer_actor(carol), "hi")
        page = services.list_threads(as_staff)
        assert (len(page.rows), page.total, page.pages) == (2, 3, 2)

        with pytest.raises(ValidationError, match="the limit is 10"):
            services.post_message(make_order(carol), as_staff, "x" * 11)

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(staff_id)
    # The trailing slash of the prefix is dropped; the pages live under it.
    assert client.get("/support/admin/messages").status_code == 200
    assert client.get("/order-messages/admin/messages").status_code == 404


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("PER_PAGE", "20", "must be an integer"),
        ("PER_PAGE", 2.5, "must be an integer"),
        ("PER_PAGE", True, "must be an integer"),
        ("PER_PAGE", 0, "1 or more"),
        ("MAX_BODY_LENGTH", -1, "1 or more"),
        ("MAX_REASON_LENGTH", None, "must be an integer"),
        ("POLL_INTERVAL", -5, "0 or more"),
        ("MAIL_MAX_ATTEMPTS", "eight", "must be an integer"),
        ("MAIL_DELIVERY", "smtp", "must be one of 'sync', 'rq', 'off'"),
        ("MAIL_DELIVERY", "", "non-empty string"),
        ("MAIL_ENABLED", "yes", "True or False"),
        ("MAIL_SENDER", 42, "non-empty string"),
        ("URL_PREFIX", "messages", "must start with '/'"),
        ("ADMIN_LAYOUT", "", "non-empty string"),
        ("ASSIGNMENT_ENABLED", "no", "True or False"),
        ("STATUS_ENABLED", 0, "True or False"),
    ],
)
def test_a_wrong_value_fails_at_init_app_naming_the_key(tmp_path, key, value, words):
    app = Flask("bad_config")
    app.config[PREFIX + key] = value
    with pytest.raises(ConfigError) as info:
        order_messages.init_app(app)
    message = str(info.value)
    assert f"{PREFIX}{key}" in message
    assert words in message
    assert repr(value) in message or key in ("MAIL_ENABLED", "URL_PREFIX")
    # Nothing was half-registered: the app is free to be fixed and registered again.
    assert "order_messages" not in app.extensions
    assert "order_messages" not in app.blueprints
    app.config[PREFIX + key] = DEFAULTS[key]
    order_messages.init_app(app)
    assert "order_messages" in app.blueprints


def test_an_unknown_key_fails_naming_it():
    app = Flask("typo")
    app.config["ORDER_MESSAGES_PERPAGE"] = 10  # a typo of PER_PAGE
    with pytest.raises(ConfigError, match="ORDER_MESSAGES_PERPAGE"):
        order_messages.init_app(app)


def test_a_retired_key_is_accepted_logged_and_ignored(caplog):
    """ORDER_MESSAGES_RESPONSE_TARGET_HOURS (the old wall-clock target of the response-time
    page) does nothing now: a host that still sets it, to anything, keeps starting, and is
    told once in its log (the doctor says it too)."""
    app = Flask("retired")
    app.config["ORDER_MESSAGES_RESPONSE_TARGET_HOURS"] = "whatever"
    with caplog.at_level("WARNING", logger="flask_order_messages"):
        order_messages.init_app(app)
    assert "order_messages" in app.blueprints
    (record,) = [r for r in caplog.records if "RESPONSE_TARGET_HOURS" in r.getMessage()]
    assert record.getMessage() == (
        "order-messages: ORDER_MESSAGES_RESPONSE_TARGET_HOURS is no longer used (the Response "
        "times page reports against ORDER_MESSAGES_FIRST_RESPONSE_TARGET and "
        "ORDER_MESSAGES_NEXT_RESPONSE_TARGET, counted in business hours). Remove it from your "
        "configuration."
    )
    assert "RESPONSE_TARGET_HOURS" not in DEFAULTS


def test_other_config_keys_are_left_alone():
    app = Flask("other_keys")
    app.config["ORDER_MESSAGES"] = "not ours: no underscore after the prefix"
    app.config["MAIL_SERVER"] = "smtp.example.test"
    order_messages.init_app(app)
    assert app.config["ORDER_MESSAGES"].startswith("not ours")


def test_a_second_init_app_on_one_app_is_refused(app):
    with pytest.raises(RuntimeError) as info:
        order_messages.init_app(app)
    message = str(info.value)
    assert "already registered" in message
    assert "init_app(app) once per app" in message


def test_two_apps_share_one_extension_with_their_own_settings_and_data(host_app, tmp_path):
    # Two shops, two SQLite files (whatever TEST_DATABASE_URL says, they must not share one).
    first = host_app(
        ORDER_MESSAGES_PER_PAGE=5, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/a.db"
    )
    second = host_app(
        ORDER_MESSAGES_MAIL_DELIVERY="off", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/b.db"
    )
    with first.test_request_context():
        assert current_settings.per_page == 5
        assert current_settings.mail_delivery == "sync"
        staff, carol, order = _people()
        services.post_message(order, services.customer_actor(carol), "Only in the first shop")
        assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 1
    with second.test_request_context():
        assert current_settings.per_page == 20
        assert current_settings.mail_delivery == "off"
        staff, carol, order = _people()
        # Each app has its own database: the first shop's message is not here.
        assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 0
        services.post_message(order, services.customer_actor(carol), "Second shop")
        assert services.list_threads(services.staff_actor(staff)).total == 1
    with first.test_request_context():
        staff = db.session.execute(db.select(User).where(User.is_admin)).scalar_one()
        assert services.list_threads(services.staff_actor(staff)).total == 1


def test_services_without_registration_say_what_to_do():
    app = Flask("unregistered")
    with app.app_context(), pytest.raises(RuntimeError, match="init_app"):
        _ = current_settings.per_page
