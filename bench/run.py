"""Measure the example shop over real HTTP against gunicorn, and the floor beside it.

    python -m bench.run postgresql+psycopg://postgres@127.0.0.1:5432/om_bench
    python -m bench.run sqlite:///bench/data/shop.sqlite

Starts gunicorn (``bench.wsgi:app``, ``--workers`` sync workers) on the loaded database, logs
in as the bench staff member and the bench customer through the login form (CSRF token
included), and times each page: ``--warmup`` requests first, then ``--requests`` measured
ones, one at a time.  Reports p50 and p95 in milliseconds and the SQL statements per request
(the ``X-SQL-Queries`` header the shop adds under ``BENCH_SQL_COUNT``).

The floor, in the same run: ``/__bench__/bare`` (a Flask endpoint that returns ``ok`` on the
same server, no database), and for each page one hand-written SQL query that fetches the
rows the page shows, run directly through psycopg / sqlite3.  Each page's p50 is reported as
a ratio to (bare p50 + hand-written query p50).

The table goes to stdout, to ``bench/data/results-<database>.md``, and into
``bench/RESULTS.md`` between the markers ``<!-- results:<database> -->`` and
``<!-- /results:<database> -->`` when they are there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

import sqlalchemy as sa

from .client import Client, Result, csrf_token, measure, percentile
from .floor import read_floor, run_floor
from .generate import CUSTOMER_EMAIL, SEARCH_WORD, STAFF_EMAIL
from .load import absolute, shop_app, table_names
from .queries import floor_queries
from .report import report, write_results
from .server import ROOT, start_gunicorn, stop

#: Common words searched besides SEARCH_WORD: "parcel" (in many threads), "the" (in most).
COMMON_WORDS = ("parcel", "the")

PREFIX = "/order-messages"


def facts(url: str) -> dict[str, Any]:
    app = shop_app(url)
    names = table_names(app)
    from example_shop.models import User, db

    with app.app_context():
        staff = db.session.scalar(sa.select(User.id).where(User.email == STAFF_EMAIL))
        customer = db.session.scalar(sa.select(User.id).where(User.email == CUSTOMER_EMAIL))
        threads = names["threads"]
        # The bench customer's long thread (posts from earlier runs make other threads grow).
        long_order = db.session.execute(
            sa.text(
                f"SELECT t.order_id FROM {threads} t JOIN {names['orders']} o "
                "ON o.id = t.order_id WHERE o.customer_id = :customer "
                "ORDER BY t.message_count DESC, t.id LIMIT 1"
            ),
            {"customer": customer},
        ).scalar()
        targets = list(
            db.session.execute(
                sa.text(
                    f"SELECT order_id FROM {threads} WHERE message_count < 20 "
                    "ORDER BY last_message_at DESC LIMIT 50"
                )
            ).scalars()
        )
        threads_total = db.session.execute(sa.text(f"SELECT COUNT(*) FROM {threads}")).scalar()
        messages_total = db.session.execute(
            sa.text(f"SELECT COUNT(*) FROM {names['messages']}")
        ).scalar()
        db.engine.dispose()
    if staff is None or customer is None:
        raise SystemExit("No bench users here: load the database with python -m bench.load first.")
    return {
        "names": names,
        "staff": staff,
        "customer": customer,
        "long_order": long_order,
        "targets": targets,
        "threads": threads_total,
        "messages": messages_total,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of a database loaded by python -m bench.load")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", help="comma-separated page names to run (default: all)")
    parser.add_argument("--json", help="also write every page's figures to this JSON file")
    parser.add_argument(
        "--no-write", action="store_true", help="leave bench/RESULTS.md and bench/data alone"
    )
    args = parser.parse_args(argv)
    args.display_url = args.url
    args.url = absolute(args.url)
    backend = sa.engine.make_url(args.url).get_backend_name()
    backend = "mariadb" if backend == "mysql" else backend
    db_label = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mariadb": "MariaDB"}[backend]
    info = facts(args.url)
    log = os.path.join(ROOT, "bench", "data", f"gunicorn-{backend}.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    server = start_gunicorn(args.url, args.port, args.workers, log)
    load_before = os.getloadavg()[0]
    try:
        results, bare = run_pages(args, info, backend)
    finally:
        stop(server)
    info["load"] = (load_before, os.getloadavg()[0])
    text = report(results, bare, info, args, db_label)
    print(text)
    if args.json:
        dump_json(args.json, results, bare, info)
    if not args.only and not args.no_write:
        write_results(text, backend)


def dump_json(path: str, results: list[Result], bare: Result, info: dict[str, Any]) -> None:
    """Each page's p50/p95 (ms), SQL statements and floor, for ``bench.curve``."""
    pages = {
        r.name: {
            "label": r.label,
            "p50": round(r.p50, 2),
            "p95": round(r.p95, 2),
            "sql": [min(r.sql), max(r.sql)],
            "floor_sql_p50": round(percentile(r.floor_sql, 50), 2) if r.floor_sql else None,
        }
        for r in [bare, *results]
    }
    facts = {k: info[k] for k in ("messages", "threads", "load")}
    with open(path, "w") as out:
        json.dump({"pages": pages, **facts}, out, indent=1)


Page = tuple[str, str, Client, Any, int, Any]  # name, label, client, path, status, form data


def page_list(base: str, info: dict[str, Any]) -> list[Page]:
    """The measured pages, each with a logged-in client (the bench staff member or the bench
    customer); posting cycles over ``info["targets"]`` with the staff member's CSRF token."""
    staff, customer = Client(base), Client(base)
    staff.login(STAFF_EMAIL)
    customer.login(CUSTOMER_EMAIL)
    long_order = info["long_order"]
    _s, _h, page = staff.request(f"/admin/orders/{info['targets'][0]}?tab=messages")
    token = csrf_token(page)
    action = re.search(rb'<form class="om-reply" method="post" action="([^"]+)"', page)
    assert action, "no reply form on the admin order page"
    post_path = action.group(1).decode().replace(str(info["targets"][0]), "{order}")
    targets = info["targets"]
    return [
        ("all", "Messages: all", staff, f"{PREFIX}/admin/messages", 200, None),
        ("unread", "Messages: unread", staff, f"{PREFIX}/admin/messages?filter=unread", 200, None),
        (
            "disputes",
            "Messages: open disputes",
            staff,
            f"{PREFIX}/admin/messages?filter=disputes",
            200,
            None,
        ),
        (
            "search",
            f"Messages: search “{SEARCH_WORD}”",
            staff,
            f"{PREFIX}/admin/messages?q={SEARCH_WORD}",
            200,
            None,
        ),
        *(
            (
                f"search_{word}",
                f"Messages: search “{word}”",
                staff,
                f"{PREFIX}/admin/messages?q={word}",
                200,
                None,
            )
            for word in COMMON_WORDS
        ),
        ("page50", "Messages: page 50", staff, f"{PREFIX}/admin/messages?page=50", 200, None),
        ("bell", "Bell counts (JSON)", staff, f"{PREFIX}/api/counts", 200, None),
        (
            "order_tab",
            "Admin order page, Messages tab (200 messages)",
            staff,
            f"/admin/orders/{long_order}?tab=messages",
            200,
            None,
        ),
        (
            "customer_tab",
            "Customer order page, Messages tab (200 messages)",
            customer,
            f"/account/orders/{long_order}?tab=messages",
            200,
            None,
        ),
        ("customer_bell", "Customer counts (JSON)", customer, f"{PREFIX}/api/counts", 200, None),
        (
            "post",
            "Post a staff message (POST, 303)",
            staff,
            lambda i: post_path.format(order=targets[i % len(targets)]),
            303,
            lambda i: {"csrf_token": token, "body": f"Bench reply {i}: your parcel is on its way."},
        ),
    ]


def run_pages(args: Any, info: dict[str, Any], backend: str) -> tuple[list[Result], Result]:
    pages = page_list(f"http://127.0.0.1:{args.port}", info)
    staff = pages[0][2]
    queries = floor_queries(backend, info["names"])
    params = {
        "user": info["staff"],
        "customer": info["customer"],
        "order": info["long_order"],
        "per_page": 20,
        "offset": 0,
        "word": SEARCH_WORD,
        "floor": 0,
    }
    only = set(args.only.split(",")) if args.only else None
    bare = Result("bare", "bare Flask endpoint")
    bare.times, bare.sql = measure(
        staff, "/__bench__/bare", expect=200, requests=args.requests, warmup=args.warmup
    )
    results = []
    for name, label, client, path, expect, data in pages:
        if only and name not in only:
            continue
        result = Result(name, label)
        print(f"  {label}...", file=sys.stderr)
        result.times, result.sql = measure(
            client, path, expect=expect, requests=args.requests, warmup=args.warmup, data=data
        )
        sql = queries["search" if name.startswith("search") else name]
        p = dict(params)
        if name.startswith("search_"):
            p["word"] = name.removeprefix("search_")
        if name == "page50":
            p["offset"] = 49 * 20
        p["window"] = p["per_page"] + p["offset"]
        if name.startswith("customer"):
            p["user"] = info["customer"]
        if name == "post":
            p["order"] = info["targets"][0]
        p["floor"] = read_floor(args.url, info["names"]["floors"], info["staff"])
        # The floor of a common word's search reads every match (half a second a run):
        # a tenth of the runs measures it as well.
        slow = name.startswith("search_")
        runs, warm = (max(5, args.requests // 10), 2) if slow else (args.requests, args.warmup)
        result.floor_sql = run_floor(args.url, sql, p, runs, warm)
        results.append(result)
    return results, bare


if __name__ == "__main__":
    main()
