"""A tiny host shop for the tests: its own User and Order, the extension on top.

The database comes from ``TEST_DATABASE_URL`` (PostgreSQL, MariaDB) and is a fresh SQLite file
per test otherwise.  Jinja runs with ``StrictUndefined`` so a typo in a template fails a test.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf
from jinja2 import StrictUndefined

from flask_order_messages import OrderMessages, customer_actor, staff_actor

from . import speedups
from .every_database import runs_everywhere
from .tables import empty_tables, schema_present, sqlite_from_template, worker_sqlite_file


class _OneEnginePerDatabase(SQLAlchemy):
    """The tests' ``SQLAlchemy``: every app made with the same database and engine options
    gets the same engine (its pool emptied between tests).  SQLAlchemy keeps the SQL it
    compiled per engine (its dialect is part of the cache's key): with an engine per test,
    every test compiled each statement anew, a fifth of the CPU of a test that makes a few
    requests.  On SQLite the test's own database is one file per worker for that reason
    (``database_url``), copied from the schema's file before each test."""

    shared_engines: dict[tuple[str, str], sa.Engine] = {}

    def _make_engine(self, bind_key: str | None, options: dict[str, Any], app: Flask) -> sa.Engine:
        url = sa.make_url(options["url"]).render_as_string(hide_password=False)
        rest = repr(sorted((k, v) for k, v in options.items() if k != "url"))
        engine = self.shared_engines.get((url, rest))
        if engine is None:
            engine = self.shared_engines[url, rest] = super()._make_engine(bind_key, options, app)
        return engine

    def new_file(self, url: str) -> None:
        """The file of ``url`` was made anew: the engines on it let go of the old one."""
        for (engine_url, _), engine in self.shared_engines.items():
            if engine_url == url:
                engine.dispose()


db = _OneEnginePerDatabase()


# Apps are cheaper to make in the tests (compiled templates and URL rules shared).
speedups.install()


class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "test_users"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(80), nullable=False)
    email = sa.Column(sa.String(120), nullable=False)
    is_admin = sa.Column(sa.Boolean, nullable=False, default=False)


class Order(db.Model):  # type: ignore[name-defined,misc]
    # Not called "orders", and the owner is a plain column with no foreign key.
    __tablename__ = "test_purchases"
    id = sa.Column(sa.Integer, primary_key=True)
    customer_id = sa.Column(sa.Integer, nullable=False)
    total = sa.Column(sa.Numeric(10, 2), nullable=False, default=0)


order_messages = OrderMessages(db=db, order_model=Order, user_model=User)


@order_messages.staff_check
def _is_staff(user: User) -> bool:
    return bool(user.is_admin)


@order_messages.staff_recipients
def _staff_recipients() -> list[str]:
    return [u.email for u in db.session.execute(sa.select(User).where(User.is_admin)).scalars()]


@order_messages.order_number
def _order_number(order: Order) -> str:
    return f"{order.id:05d}"


@order_messages.staff_order_url
def _staff_order_url(order: Order) -> str:
    return f"/admin/orders/{order.id}"


@order_messages.customer_order_url
def _customer_order_url(order: Order) -> str:
    return f"/account/orders/{order.id}"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets a server database of its own (``test`` becomes
    ``test_gw0``, ``test_gw1``...), made empty at the start of the run, so that workers never
    empty each other's tables and tables an older schema left behind never meet this one."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        os.environ["TEST_DATABASE_URL"] = _fresh_worker_database(url, worker)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules CI runs on every database are marked ``every_database`` (see
    ``tests/every_database.py``)."""
    for item in items:
        name = getattr(item, "originalname", item.name)
        if item.path.parent.name == "tests" and runs_everywhere(item.path.stem, name):
            item.add_marker(pytest.mark.every_database)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """The example shop's passwords hashed with a thousand rounds of PBKDF2 instead of scrypt:
    its seed hashes six and each login through its form checks one, 0.15 s of CPU each, some
    hundreds of times in a run.  Werkzeug reads the method from the stored hash, so checking
    needs no change."""
    from example_shop import models

    real = models.generate_password_hash
    models.generate_password_hash = partial(real, method="pbkdf2:sha256:1000")
    yield
    models.generate_password_hash = real


_CONNECTED: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


@sa.event.listens_for(sa.Engine, "engine_connect")
def _seen_connecting(connection: sa.Connection) -> None:
    _CONNECTED.add(connection.engine)


@pytest.fixture(autouse=True)
def _idle_server_connections_closed() -> Iterator[None]:
    """After each test, the idle connections of every server engine it used are closed.

    A test may build an app of its own (the example shop, a host shape, a settings change) and
    leave its engine to the garbage collector.  A psycopg connection collected unclosed warns
    (``ResourceWarning``), in whichever later test the collector runs: under
    ``filterwarnings = error`` that test failed, at random, on PostgreSQL.  Closing what sits
    idle in each pool at the end of the test that opened it leaves nothing for the collector;
    a pool stays usable (the next checkout connects again).  SQLite is left alone: an
    in-memory database lives only as long as its connection."""
    _CONNECTED.clear()
    yield
    for engine in list(_CONNECTED):
        if engine.dialect.name != "sqlite":
            engine.pool.dispose()


def _fresh_worker_database(url: str, worker: str) -> str:
    """Drop and create ``<database>_<worker>`` next to the database ``url`` names; its URL."""
    base = sa.make_url(url)
    if base.get_backend_name() == "sqlite":
        return url
    name = f"{base.database}_{worker}"
    # The server's own statements, run from the database the URL names (it must exist).
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.connect() as conn:
            force = " WITH (FORCE)" if engine.dialect.name == "postgresql" else ""
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote(name)}{force}"))
            conn.execute(sa.text(f"CREATE DATABASE {quote(name)}"))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


#: The running test's ``tmp_path`` (``_running_test_folder``).
_TEST_FOLDER: list[Any] = [None]


@pytest.fixture(autouse=True)
def _running_test_folder(tmp_path: Any) -> Iterator[None]:
    _TEST_FOLDER[0] = tmp_path
    yield
    _TEST_FOLDER[0] = None


def database_url(tmp_path: Any) -> str:
    """The database of an app made for ``tmp_path``: ``TEST_DATABASE_URL``, else SQLite.  The
    running test's own folder gets the worker's SQLite file (see ``_OneEnginePerDatabase``);
    any other folder (a second app of a test, a session's app) a file of its own there."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if tmp_path == _TEST_FOLDER[0]:
        path, new = worker_sqlite_file(tmp_path)
        if new:
            db.new_file(f"sqlite:///{path}")
        return f"sqlite:///{path}"
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def make_app(tmp_path: Any, *, before_init: Any = None, **config: Any) -> Flask:
    """The host app, app-factory style.  ``before_init(app)`` runs just before the extension's
    ``init_app`` (a host's own extensions, such as a Flask-Limiter ``Limiter``)."""
    app = Flask("test_host")
    app.config.update(
        TESTING=True,
        SECRET_KEY="test-secret",
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        MAIL_DEFAULT_SENDER="shop@example.test",
        MAIL_SUPPRESS_SEND=True,
        ORDER_MESSAGES_POLL_INTERVAL=0,
        # Attachment files of this test only, never the repository's instance folder.
        ORDER_MESSAGES_ATTACHMENT_FOLDER=os.path.join(str(tmp_path), "attachments"),
        SERVER_NAME="shop.test",
    )
    app.config.update(config)
    app.jinja_env.undefined = StrictUndefined
    db.init_app(app)
    if before_init is not None:
        before_init(app)
    order_messages.init_app(app)
    login = LoginManager(app)
    login.login_view = "login"

    @login.user_loader
    def _load(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    @app.route("/login")
    def login() -> str:
        return "login page"

    @app.route("/_csrf")
    def csrf() -> str:
        return generate_csrf()  # type: ignore[no-any-return]

    return app


def fresh_tables() -> None:
    """Empty tables for the next test.  A SQLite file is new per test (a copy of the schema);
    on a server database the schema is built once and emptied between tests, which is many
    times faster than DDL (it is rebuilt when another test dropped it)."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        sqlite_from_template(db, engine)
        return
    tables = db.metadata.sorted_tables
    with engine.begin() as conn:
        if schema_present(conn, tables):
            empty_tables(conn, tables)
            return
    db.drop_all()
    db.create_all()


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    app = make_app(tmp_path)
    with app.app_context():
        fresh_tables()
    with app.test_request_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _user(name: str, admin: bool = False) -> User:
    user = User(name=name, email=f"{name.lower().replace(' ', '.')}@example.test", is_admin=admin)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def staff(app: Flask) -> User:
    return _user("Admin Admin", admin=True)


@pytest.fixture
def staff2(app: Flask) -> User:
    return _user("Second Staff", admin=True)


@pytest.fixture
def customer(app: Flask) -> User:
    return _user("Carol Customer")


@pytest.fixture
def stranger(app: Flask) -> User:
    return _user("Sam Stranger")


def make_order(owner: User, total: str = "10.00") -> Order:
    order = Order(customer_id=owner.id, total=total)
    db.session.add(order)
    db.session.commit()
    return order


@pytest.fixture
def order(customer: User) -> Order:
    return make_order(customer)


@pytest.fixture
def as_staff(staff: User) -> Any:
    return staff_actor(staff)


@pytest.fixture
def as_customer(customer: User) -> Any:
    return customer_actor(customer)


@pytest.fixture
def outbox(app: Flask) -> Iterator[list[Any]]:
    with app.extensions["mail"].record_messages() as sent:
        yield sent


class Browser:
    """A test client that logs in as someone and knows how to fetch a CSRF token."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def login(self, user: User | None) -> Browser:
        with self.client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = str(user.id)
                session["_fresh"] = True
        return self

    def token(self) -> str:
        self._fresh_user()
        return self.client.get("/_csrf").get_data(as_text=True)

    def _fresh_user(self) -> None:
        # The tests keep one app context open, and a request made inside it shares ``g``;
        # forget the user Flask-Login cached there so each request loads its own, and the CSRF
        # token Flask-WTF cached there (it belongs to the session of whoever asked first).
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    def get(self, url: str, **kw: Any) -> Any:
        self._fresh_user()
        # Buffered: the whole answer is read and closed at once, so a file response (an
        # attachment) never stays open because a test looked only at its status.
        kw.setdefault("buffered", True)
        return self.client.get(url, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        self._fresh_user()
        kw.setdefault("buffered", True)
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app)


_SIGNED_CSRF = re.compile(rb'(csrf[-_]token"[^>]*?(?:content|value)=")[^"]*')


def answer_bytes(response: Any) -> bytes:
    """A response's body with its CSRF tokens blanked, to compare two answers byte for byte.
    Flask-WTF signs the session's one token with the current second, so two pages asked for
    across a second's tick differ there and nowhere else."""
    return _SIGNED_CSRF.sub(rb"\1", response.get_data())


def text_of(response: Any) -> str:
    """The visible text of an HTML response, tags removed, white space folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def market(app: Flask) -> Iterator[Any]:
    """A marketplace on this host: two vendors, their staff, the marketplace's staff,
    customers and orders, the vendor hooks registered for this test only
    (``tests/marketplace.py``)."""
    from .marketplace import open_market

    yield from open_market()


@pytest.fixture
def host_pages(app: Flask) -> Flask:
    """The host's own pages that embed the partials (``tests/host_pages.py``), on ``app``:
    a test module asks for them with ``pytestmark = pytest.mark.usefixtures("host_pages")``."""
    from .host_pages import add_host_pages

    add_host_pages(app)
    return app


def pytest_collection_finish(session: pytest.Session) -> None:
    speedups.fewer_full_collections()
