"""A scene seeded once per test process and copied for each test that asks for it again.

The access matrices run a few hundred cells against the same scene (a thread, a reply with a
file, a question; a marketplace's threads): seeding it through the services was half of each
cell's time.  On SQLite the first cell seeds it and keeps a copy of the database file and of
the attachment folder; the next cells copy those back instead of seeding.  On a server
database every cell seeds (the matrices run on SQLite in CI).

A copy is used only when the tables hold exactly what they held when the copy was made, before
seeding (the people and orders the test's fixtures made): otherwise the scene is seeded.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .conftest import db

#: {scene name: (what the tables held before seeding, the folder with the copies)}
_SAVED: dict[str, tuple[Any, str]] = {}


def _before() -> Any:
    """What the tables hold: each table's row count and highest first key column."""
    with db.engine.connect() as conn:
        return tuple(
            (table.name, *conn.execute(sa.select(sa.func.count(), sa.func.max(key))).one())
            for table in db.metadata.sorted_tables
            for key in list(table.primary_key)[:1]
        )


def seeded(name: str, seed: Callable[[], None]) -> None:
    """Run ``seed`` (it commits), or copy back what it made in an earlier test."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        seed()
        return
    db.session.commit()  # the fixtures' work is in the file; the session lets go of it
    files = current_app.config["ORDER_MESSAGES_ATTACHMENT_FOLDER"]
    path = engine.url.database
    before = _before()
    saved = _SAVED.get(name)
    if saved is None or saved[0] != before:
        seed()
        db.session.commit()
        engine.dispose()
        folder = tempfile.mkdtemp(prefix=f"order-messages-{name}-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        shutil.copyfile(path, os.path.join(folder, "db.sqlite"))
        if os.path.isdir(files):
            shutil.copytree(files, os.path.join(folder, "files"))
        _SAVED[name] = (before, folder)
        return
    folder = saved[1]
    engine.dispose()
    shutil.copyfile(os.path.join(folder, "db.sqlite"), path)
    if os.path.isdir(os.path.join(folder, "files")):
        shutil.copytree(os.path.join(folder, "files"), files, dirs_exist_ok=True)
    db.session.expire_all()
