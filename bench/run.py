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
import http.cookiejar
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from .generate import CUSTOMER_EMAIL, PASSWORD, SEARCH_WORD, STAFF_EMAIL
from .load import absolute, shop_app, table_names
from .queries import floor_queries

#: Common words searched besides SEARCH_WORD: "parcel" (in many threads), "the" (in most).
COMMON_WORDS = ("parcel", "the")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "/order-messages"


# -- HTTP -----------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    """One browser: its own cookies, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def login(self, email: str) -> None:
        _status, _headers, page = self.request("/login")
        token = csrf_token(page)
        status, headers, _ = self.request(
            "/login", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"Could not log in as {email} (HTTP {status}).")


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    if not found:
        raise SystemExit("No CSRF token on the page.")
    return found.group(1).decode()


@dataclass
class Result:
    name: str
    label: str
    times: list[float] = field(default_factory=list)
    sql: list[int] = field(default_factory=list)
    floor_sql: list[float] = field(default_factory=list)
    floor_note: str = ""

    @property
    def p50(self) -> float:
        return percentile(self.times, 50)

    @property
    def p95(self) -> float:
        return percentile(self.times, 95)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def measure(
    client: Client,
    path: str | Any,
    *,
    expect: int,
    requests: int,
    warmup: int,
    data: Any = None,
) -> tuple[list[float], list[int]]:
    times, sql = [], []
    for i in range(warmup + requests):
        p = path(i) if callable(path) else path
        d = data(i) if callable(data) else data
        start = time.perf_counter()
        status, headers, _body = client.request(p, d)
        spent = (time.perf_counter() - start) * 1000
        if status != expect:
            raise SystemExit(f"{p}: HTTP {status}, expected {expect}")
        if i >= warmup:
            times.append(spent)
            sql.append(int(headers.get("X-SQL-Queries", -1)))
    return times, sql


# -- the server -----------------------------------------------------------------------------------


def start_gunicorn(url: str, port: int, workers: int, log: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, BENCH_DATABASE_URL=url)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [
        gunicorn,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        ROOT,
        "--access-logfile",
        "-",
        "bench.wsgi:app",
    ]
    out = open(log, "wb")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    probe = Client(f"http://127.0.0.1:{port}")
    for _ in range(300):
        time.sleep(0.1)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        try:
            if probe.request("/__bench__/bare")[0] == 200:
                return server
        except OSError:
            continue
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


# -- the facts the pages need ---------------------------------------------------------------------


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


# -- the floor: hand-written SQL, run directly ----------------------------------------------------


def run_floor(
    url: str, sql: str | list[str], params: dict[str, Any], n: int, warmup: int
) -> list[float]:
    """Timings in ms of running ``sql`` (one statement, or a list run together and committed)
    ``n`` times after ``warmup``, straight through the database driver."""
    statements = [sql] if isinstance(sql, str) else sql
    parsed = sa.engine.make_url(url)
    times = []
    if parsed.get_backend_name() == "sqlite":
        conn: Any = sqlite3.connect(str(parsed.database), isolation_level=None)
        for i in range(warmup + n):
            start = time.perf_counter()
            writes = len(statements) > 1 or statements[0].lstrip().startswith(("INSERT", "UPDATE"))
            if writes:
                conn.execute("BEGIN IMMEDIATE")
            for statement in statements:
                names = set(re.findall(r"(?<!:):([a-z_]+)", statement))
                conn.execute(statement, {k: v for k, v in params.items() if k in names}).fetchall()
            if writes:
                conn.execute("COMMIT")
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
        conn.close()
        return times
    import psycopg

    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    pg_statements = [
        re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", s.replace("%", "%%")) for s in statements
    ]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for i in range(warmup + n):
            start = time.perf_counter()
            for statement in pg_statements:
                cursor = conn.execute(statement, params, prepare=False)
                if cursor.description is not None:
                    cursor.fetchall()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return times


# -- the report -----------------------------------------------------------------------------------


def read_floor(url: str, table: str, user: Any) -> int:
    """The staff member's read floor as the pages left it (0 before their first count)."""
    engine = sa.create_engine(absolute(url))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(f"SELECT floor_id FROM {table} WHERE user_id = :user"), {"user": user}
            ).scalar()
    finally:
        engine.dispose()
    return int(found or 0)


def machine() -> list[str]:
    meminfo = open("/proc/meminfo").read()
    total_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
    cpu = re.search(r"model name\s*:\s*(.+)", open("/proc/cpuinfo").read())
    versions = []
    for package in ("flask", "sqlalchemy", "psycopg", "gunicorn"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: BLE001
            pass
    return [
        f"nproc {os.cpu_count()}, {total_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{cpu.group(1).strip() if cpu else platform.processor()}",
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, " + ", ".join(versions),
    ]


def server_version(url: str) -> str:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {sqlite3.sqlite_version} (WAL)"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT version()")).scalar()
    engine.dispose()
    return str(found).split(" on ")[0]


def report(
    results: list[Result], bare: Result, info: dict[str, Any], args: Any, db_label: str
) -> str:
    lines = [
        f"### {db_label}",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {server_version(args.url)} · "
        f"{info['messages']:,} messages in {info['threads']:,} threads · "
        f"gunicorn {args.workers} sync workers · {args.requests} requests per row after "
        f"{args.warmup} warm-up, one at a time · load average {info['load'][0]:.1f} at the "
        f"start, {info['load'][1]:.1f} at the end",
        "",
        *(f"Machine: {line}  " for line in machine()),
        "",
        f"`python -m bench.run {args.display_url} --workers {args.workers} "
        f"--requests {args.requests}`",
        "",
        "| page | p50 ms | p95 ms | SQL/request | floor: SQL p50 ms | ratio p50 | ratio p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| bare Flask endpoint (floor) | {bare.p50:.1f} | {bare.p95:.1f} | "
        f"{_sql_range(bare.sql)} | | | |",
    ]
    for r in results:
        floor50 = bare.p50 + percentile(r.floor_sql, 50)
        floor95 = bare.p95 + percentile(r.floor_sql, 95)
        lines.append(
            f"| {r.label} | {r.p50:.1f} | {r.p95:.1f} | {_sql_range(r.sql)} | "
            f"{percentile(r.floor_sql, 50):.2f} | {r.p50 / floor50:.1f}× | {r.p95 / floor95:.1f}× |"
        )
    lines += [
        "",
        "Ratio p50 = page p50 / (bare p50 + SQL p50); ratio p95 the same with p95s.",
        "",
    ]
    return "\n".join(lines)


def _sql_range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def write_results(text: str, key: str) -> None:
    os.makedirs(os.path.join(ROOT, "bench", "data"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "data", f"results-{key}.md"), "w") as out:
        out.write(text)
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    if not os.path.exists(path):
        return
    content = open(path).read()
    start, end = f"<!-- results:{key} -->", f"<!-- /results:{key} -->"
    if start in content and end in content:
        head, rest = content.split(start, 1)
        _old, tail = rest.split(end, 1)
        with open(path, "w") as out:
            out.write(f"{head}{start}\n{text}\n{end}{tail}")


# -- the command ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of a database loaded by python -m bench.load")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", help="comma-separated page names to run (default: all)")
    args = parser.parse_args(argv)
    args.display_url = args.url
    args.url = absolute(args.url)
    backend = sa.engine.make_url(args.url).get_backend_name()
    db_label = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(backend, backend)
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
    if not args.only:
        write_results(text, backend)


def run_pages(args: Any, info: dict[str, Any], backend: str) -> tuple[list[Result], Result]:
    base = f"http://127.0.0.1:{args.port}"
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
    queries = floor_queries(backend, info["names"])
    params = {
        "user": info["staff"],
        "customer": info["customer"],
        "order": long_order,
        "per_page": 20,
        "offset": 0,
        "word": SEARCH_WORD,
        "floor": 0,
    }
    pages: list[tuple[str, str, Client, Any, int, Any]] = [
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
        if name.startswith("customer"):
            p["user"] = info["customer"]
        if name == "post":
            p["order"] = targets[0]
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
