"""Bulk-load a realistic shop into a database, fast.

    python -m bench.load postgresql+psycopg://postgres@127.0.0.1:5432/om_bench
    python -m bench.load sqlite:///bench/data/shop.sqlite
    python -m bench.load "mysql+pymysql://root@127.0.0.1:3306/om_bench?charset=utf8mb4&ssl_disabled=1"

The schema comes from the example shop's own ``create_app`` (``db.create_all()``), so every
index the extension declares exists, the full-text index too.  The loader then sets the
secondary indexes and constraints aside, writes the rows (PostgreSQL ``COPY``,
``bench/load_postgres.py``; SQLite ``executemany`` in one transaction,
``bench/load_sqlite.py``; MariaDB ``LOAD DATA LOCAL INFILE``, ``bench/load_mariadb.py``),
builds the indexes again from their own definitions, and runs ``VACUUM ANALYZE`` /
``ANALYZE``.  The threads' newest-message columns
(``last_message_id``, ``last_message_at``, ``last_author_id``, ``last_author_role``,
``message_count``) are filled from the messages themselves, and every read pointer is at
least at its owner's own last message, as the extension's services would leave them, and
every thread's staff search document (``thread_search``) is written from its messages by the
same ``INSERT ... SELECT`` the migration runs, before its full-text index is built.  See
``bench/generate.py`` for the shape of the data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from .generate import CUSTOMER_EMAIL, PASSWORD, STAFF_EMAIL, Shop

COLUMNS = {
    "users": ("id", "name", "email", "password_hash", "is_staff"),
    "products": ("id", "name", "description", "price_cents"),
    "orders": ("id", "customer_id", "status", "created_at", "total_cents"),
    "lines": ("id", "order_id", "product_id", "qty", "unit_price_cents"),
    "threads": (
        "id",
        "order_id",
        "created_at",
        "last_message_id",
        "last_message_at",
        "last_author_id",
        "last_author_role",
        "message_count",
    ),
    "messages": (
        "id",
        "thread_id",
        "author_id",
        "author_role",
        "kind",
        "event",
        "body",
        "search_text",
        "created_at",
    ),
    "pointers": ("id", "user_id", "thread_id", "last_read_id", "updated_at"),
    "disputes": (
        "id",
        "thread_id",
        "open_thread_id",
        "opened_by_id",
        "opened_by_role",
        "opened_at",
        "reason",
        "closed_by_id",
        "closed_by_role",
        "closed_at",
        "outcome",
        "note",
    ),
}


class Progress:
    """A one-line progress bar on stderr: label, bar, count, rate, elapsed."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(1, total), 0
        self.start = self.last = time.perf_counter()
        self._draw()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= 0.25 or self.done >= self.total:
            self.last = now
            self._draw()

    def _draw(self) -> None:
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(30 * frac)
        spent = time.perf_counter() - self.start
        rate = self.done / spent if spent > 0 else 0
        sys.stderr.write(
            f"\r  {self.label:<16} [{bar:<30}] {self.done:>10,}/{self.total:,} "
            f"{rate:>9,.0f}/s {spent:6.1f}s"
        )
        sys.stderr.flush()

    def close(self) -> None:
        self.done = self.total
        self._draw()
        sys.stderr.write("\n")


def tracked(rows: Iterable[tuple[Any, ...]], bar: Progress) -> Iterator[tuple[Any, ...]]:
    for n, row in enumerate(rows, start=1):
        yield row
        if n % 5000 == 0:
            bar.update(5000)
    bar.close()


def absolute(url: str) -> str:
    """The URL with a relative SQLite path made absolute from the current directory
    (Flask-SQLAlchemy would otherwise put it in the app's instance folder)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=os.path.abspath(parsed.database))
        return parsed.render_as_string(hide_password=False)
    return url


def shop_app(url: str) -> Any:
    """The example shop on ``url``; ``create_app`` makes the schema (``db.create_all()``)."""
    from example_shop.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def table_names(app: Any) -> dict[str, str]:
    from example_shop.messaging import order_messages
    from example_shop.models import Order, OrderLine, Product, User

    models = order_messages.models
    return {
        "users": User.__tablename__,
        "products": Product.__tablename__,
        "orders": Order.__tablename__,
        "lines": OrderLine.__tablename__,
        "threads": models.Thread.__table__.name,
        "messages": models.Message.__table__.name,
        "thread_search": models.ThreadSearch.__table__.name,
        "pointers": models.ReadPointer.__table__.name,
        "floors": models.ReadFloor.__table__.name,
        "floor_threads": models.ReadFloorThread.__table__.name,
        "disputes": models.Dispute.__table__.name,
    }


def fill_documents_sql(dialect: Any) -> str:
    """The statement that writes every thread's search document from its messages (see
    ``flask_order_messages.search.fill_documents``), as SQL text for a DB-API cursor."""
    from example_shop.messaging import order_messages
    from flask_order_messages import search

    models = order_messages.models
    stmt = search.fill_documents(models.Message.__table__, models.ThreadSearch.__table__, dialect)
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def plan(shop: Shop, password_hash: str) -> list[tuple[str, Callable[[], Iterable[Any]], int]]:
    """(table key, rows, how many) in load order; rows are made lazily."""
    orders, lines = shop.orders_and_lines()
    n_pointers = sum(1 for _ in shop.pointer_rows())
    n_disputes = sum(len(t.disputes) for t in shop.threads)

    def pointers() -> Iterator[tuple[Any, ...]]:
        for i, row in enumerate(shop.pointer_rows(), start=1):
            yield (i, *row)

    return [
        ("users", lambda: shop.users(password_hash), shop.n_staff + shop.n_customers),
        ("products", shop.products, 16),
        ("orders", lambda: orders, len(orders)),
        ("lines", lambda: lines, len(lines)),
        ("threads", shop.threads_rows, len(shop.threads)),
        ("messages", shop.message_rows, shop.n_messages),
        ("disputes", shop.dispute_rows, n_disputes),
        ("pointers", pointers, n_pointers),
    ]


# -- the command ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("url", help="SQLAlchemy URL of an empty database (or use --reset)")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reset", action="store_true", help="drop the shop's tables first")
    parser.add_argument(
        "--mariadb-inserts",
        action="store_true",
        help="MariaDB: multi-row INSERT batches instead of LOAD DATA LOCAL INFILE",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    args.url = absolute(args.url)
    url = sa.engine.make_url(args.url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database:
        os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        if args.reset and os.path.exists(url.database):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(url.database + suffix):
                    os.remove(url.database + suffix)
    app = shop_app(args.url)
    from example_shop.models import User, db

    with app.app_context():
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.remove()  # let go of the read lock before DROP TABLE
        if existing:
            if not args.reset:
                raise SystemExit(f"{args.url} already has a shop in it; add --reset to replace it.")
            db.drop_all()
            db.create_all()
        db.session.remove()
        db.engine.dispose()
    names = table_names(app)

    print(f"Generating {args.orders:,} orders, {args.messages:,} messages...", file=sys.stderr)
    t = time.perf_counter()
    shop = Shop(
        orders=args.orders,
        messages=args.messages,
        customers=args.customers,
        staff=args.staff,
        seed=args.seed,
    )
    from werkzeug.security import generate_password_hash

    steps = plan(shop, generate_password_hash(PASSWORD))
    print(f"  generated in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    how = write(args, names, steps)
    spent = time.perf_counter() - started
    counts = {key: total for key, _rows, total in steps}
    record(args, counts, spent, how)
    print(
        f"Loaded {counts['orders']:,} orders, {counts['threads']:,} threads, "
        f"{counts['messages']:,} messages, {counts['pointers']:,} read pointers, "
        f"{counts['disputes']:,} disputes, {counts['users']:,} users "
        f"into {url.render_as_string(hide_password=True)} in {spent:.0f}s ({spent / 60:.1f} min)."
    )
    print(f"Log in as {STAFF_EMAIL} (staff) or {CUSTOMER_EMAIL}, password {PASSWORD}.")


def write(args: Any, names: dict[str, str], steps: list[Any]) -> str:
    """Write the rows with the database's own writer; returns how."""
    url = sa.engine.make_url(args.url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        from .load_sqlite import load_sqlite

        load_sqlite(str(url.database), names, steps)
        return "executemany"
    if backend in ("mysql", "mariadb"):
        from .load_mariadb import load_mariadb

        return load_mariadb(args.url, names, steps, inserts=args.mariadb_inserts)
    from .load_postgres import load_postgres

    load_postgres(args.url, names, steps)
    return "COPY"


def record(args: Any, counts: dict[str, int], spent: float, how: str) -> None:
    """``bench/data/load-<database>.json``: what was loaded, how long it took, and when
    (``bench.curve`` reports it)."""
    url = sa.engine.make_url(args.url)
    key = os.path.basename(str(url.database)).split(".")[0]
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench")
    os.makedirs(os.path.join(folder, "data"), exist_ok=True)
    facts = {
        "database": url.render_as_string(hide_password=True),
        "backend": url.get_backend_name(),
        "seconds": round(spent, 1),
        "how": how,
        "counts": counts,
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "command": "python -m bench.load " + " ".join(sys.argv[1:]),
    }
    with open(os.path.join(folder, "data", f"load-{key}.json"), "w") as out:
        json.dump(facts, out, indent=1)


if __name__ == "__main__":
    main()
