"""The scene of the API's fuzzing and generated-client tests: a shop with one staff member
and two customers, each customer with orders and threads, and a token for each actor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask

from flask_order_messages import access_tokens, customer_actor, staff_actor
from flask_order_messages.transactions import commit

from . import committing as services
from .api_support import make_token
from .conftest import _user, db, fresh_tables, make_app, make_order
from .tables import empty_tables

DOC = "/order-messages/api/openapi.json"
#: Examples per operation and actor in CI (``FUZZ_EXAMPLES`` for more: ``make fuzz``).
DEFAULT_EXAMPLES = 10


def examples() -> int:
    """How many examples each operation gets: ``FUZZ_EXAMPLES``, or the CI's small number."""
    return int(os.environ.get("FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)


@dataclass
class Scene:
    """Who calls, with which token, and whose orders are whose."""

    staff_token: str
    carol_token: str
    dave_token: str
    #: Carol's orders (she calls) and Dave's (another customer: never hers to see).
    carol_orders: list[str] = field(default_factory=list)
    dave_orders: list[str] = field(default_factory=list)
    carol_threads: list[int] = field(default_factory=list)
    dave_threads: list[int] = field(default_factory=list)
    note: str = "Staff only: refund approved internally."

    def headers(self, actor: str) -> dict[str, str]:
        token = {"staff": self.staff_token, "carol": self.carol_token, "dave": self.dave_token}
        return {"Authorization": f"Bearer {token[actor]}"} if actor in token else {}


def _token(user: Any, secret: str | None) -> str:
    """A write token for ``user``; with ``secret``: one that takes that secret (a scene made
    again keeps its tokens, which Schemathesis was given when it loaded the document)."""
    if secret is None:
        return make_token(user)
    made = access_tokens.create_token(user, scope="write")
    made.token.token_hash = access_tokens.hash_secret(secret)
    made.token.prefix = secret[: len(access_tokens.TOKEN_PREFIX) + 6]
    commit()
    return secret


def seed(again: Scene | None = None) -> Scene:
    """Staff member Ann, customers Carol (two orders, one with a thread and a staff-only
    note, one untouched) and Dave (one order with a thread and an open dispute).  ``again``:
    the scene made anew on empty tables, with the same tokens."""
    ann = _user("Ann Staff", admin=True)
    carol = _user("Carol Customer")
    dave = _user("Dave Other")
    as_ann, as_carol, as_dave = staff_actor(ann), customer_actor(carol), customer_actor(dave)
    carol_first, carol_second = make_order(carol, "25.00"), make_order(carol, "8.00")
    dave_order = make_order(dave, "40.00")
    services.post_message(carol_first, as_carol, "Where is my parcel?")
    services.post_message(carol_first, as_ann, "It left this morning.")
    secrets = (again.staff_token, again.carol_token, again.dave_token) if again else (None,) * 3
    users = (ann, carol, dave)
    scene = Scene(*(_token(user, secret) for user, secret in zip(users, secrets, strict=True)))
    services.post_message(carol_first, as_ann, scene.note, note=True)
    services.post_message(dave_order, as_dave, "The lamp arrived broken.")
    services.open_dispute(dave_order, as_dave, "Broken on arrival")
    scene.carol_orders = [str(carol_first.id), str(carol_second.id)]
    scene.dave_orders = [str(dave_order.id)]
    scene.carol_threads = [services.get_thread(carol_first).id]
    scene.dave_threads = [services.get_thread(dave_order).id]
    return scene


def reseed(scene: Scene) -> None:
    """Every table emptied and the scene made again in place (same tokens; on SQLite and
    MariaDB the same ids, PostgreSQL's sequences restart too): each of Schemathesis's
    stateful scenarios starts from the same state.  Hypothesis replays a scenario's choices
    and finds its data generation "flaky" when a link resolved in one run and not in the
    next (a list that an earlier scenario emptied)."""
    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for table in reversed(tables):
                conn.execute(table.delete())
            if conn.execute(sa.text(SQLITE_SEQUENCE)).first():
                conn.execute(sa.text("DELETE FROM sqlite_sequence"))
        else:
            empty_tables(conn, tables)
    fresh = seed(again=scene)
    vars(scene).update(vars(fresh))


SQLITE_SEQUENCE = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"


@contextmanager
def fuzz_app(tmp_path: Any, **config: Any) -> Iterator[Flask]:
    """The test host with fresh tables, no posting limit (the fuzzing posts hundreds of times
    a minute) and no SERVER_NAME (test clients and servers call it as localhost)."""
    app = make_app(tmp_path, ORDER_MESSAGES_POST_RATE_LIMIT=None, SERVER_NAME=None, **config)
    with app.app_context():
        fresh_tables()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
