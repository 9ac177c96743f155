"""Benchmark-only instruments, installed by ``create_app`` when ``BENCH_SQL_COUNT`` is set.

- every response carries ``X-SQL-Queries``: the statements the request sent to the database
  (a SQLAlchemy ``before_cursor_execute`` listener, so lazy loads and commits count too);
- ``GET /__bench__/bare`` answers ``ok`` without touching the database or the session: the
  floor of a request on the same server (``bench/run.py`` measures against it).

Nothing here is imported by the shop otherwise.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event

from .models import db


def install(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        if has_request_context():
            g.bench_sql = g.get("bench_sql", 0) + 1

    @app.after_request
    def _header(response: Response) -> Response:
        response.headers["X-SQL-Queries"] = str(g.get("bench_sql", 0))
        return response

    @app.route("/__bench__/bare")
    def bench_bare() -> Response:
        return Response("ok", mimetype="text/plain")
