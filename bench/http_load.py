"""A bounded load run: the example shop under gunicorn on PostgreSQL, many customers and staff
posting and reading at once over HTTP, then a check that nothing was lost or doubled.

    .venv/bin/python bench/http_load.py                       # about a minute, then the checks
    .venv/bin/python bench/http_load.py --write docs/RELIABILITY.md

What it does:

1. Resets the database it is given (its own: ``createdb -h 127.0.0.1 -U postgres om_load``;
   never the shared ``test`` one) and creates customers, each with orders, and staff.
2. Starts gunicorn (several workers, threads each) serving ``example_shop`` on 127.0.0.1, with
   the posting rate limit counted in Redis (shared by the workers) when Redis is up.
3. For ``--duration`` seconds, one thread per person: customers log in through the shop's
   login form, open their orders' Messages tab, post messages (each with a unique marker),
   sometimes open a dispute, look at their order list and the JSON counts; staff work through
   the Messages section (unread first), open threads, reply, mark read/unread, close disputes,
   poll the bell.  CSRF tokens come from the pages, as a browser's do.
4. Stops the load, then checks, while the server still runs: every acknowledged (303) post is
   stored exactly once; nothing refused (429, 4xx) was stored; no 5xx; every thread's counters
   match its messages; every message has its outbox rows; each person's bell and unread counts,
   over HTTP and from the services, equal a recount from the tables in plain Python.
5. Prints the figures (and writes them into ``--write``'s file).  Exits 1 if a check failed.

Not part of ``make test``: it takes a minute or two and needs PostgreSQL and gunicorn.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/om_load"
PASSWORD = "load-test-password"
MARKER = re.compile(r"\[m:([0-9a-f]{32})\]")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


# -- setup -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_url() -> str | None:
    try:
        from redis import Redis

        url = "redis://127.0.0.1:6379/0"
        return url if Redis.from_url(url, socket_connect_timeout=1).ping() else None
    except Exception:  # noqa: BLE001 - no Redis: each worker counts on its own
        return None


def shop_config(args: argparse.Namespace, key_prefix: str) -> dict[str, Any]:
    storage = redis_url()
    return {
        "SQLALCHEMY_DATABASE_URI": args.database_url,
        "SECRET_KEY": "load-run-secret",
        "MAIL_SUPPRESS_SEND": True,
        "ORDER_MESSAGES_POST_RATE_LIMIT": args.rate_limit or None,
        "ORDER_MESSAGES_RATE_LIMIT_STORAGE": storage or "memory://",
        "RATELIMIT_KEY_PREFIX": key_prefix,
        "ORDER_MESSAGES_POLL_INTERVAL": 0,
        # Read floors rise past messages two seconds old (every 0.4 s per person) while
        # everyone keeps posting and marking: the floor's rule under real concurrency, checked
        # by the recount at the end.  Posts commit in milliseconds, so two seconds still hold.
        "ORDER_MESSAGES_READ_FLOOR_MARGIN": 2,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def reset_and_seed(args: argparse.Namespace, config: dict[str, Any]) -> dict[str, Any]:
    """A fresh database: ``--customers`` customers with ``--orders`` orders each, and staff."""
    import logging

    from werkzeug.security import generate_password_hash

    from example_shop.app import create_app
    from example_shop.models import Order, User, db

    logging.getLogger("example_shop.mail").setLevel(logging.WARNING)
    app = create_app(config)
    # A cheap hash: the run measures messaging, not password hashing.
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        db.drop_all()
        db.create_all()
        staff = [
            User(
                name=f"Staff {n}", email=f"staff{n}@load.test", is_staff=True, password_hash=hashed
            )
            for n in range(args.staff)
        ]
        customers = [
            User(name=f"Customer {n}", email=f"c{n}@load.test", password_hash=hashed)
            for n in range(args.customers)
        ]
        db.session.add_all(staff + customers)
        db.session.commit()
        orders: dict[str, list[int]] = {}
        for customer in customers:
            mine = [Order(customer_id=customer.id, status="paid") for _ in range(args.orders)]
            db.session.add_all(mine)
            db.session.flush()
            orders[customer.email] = [o.id for o in mine]
        db.session.commit()
        people = {
            "staff": [u.email for u in staff],
            "customers": [u.email for u in customers],
            "orders": orders,
        }
        db.engine.dispose()
    return people


def start_gunicorn(args: argparse.Namespace, config: dict[str, Any], port: int, log: Path) -> Any:
    factory = f"example_shop.app:create_app({config!r})"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(args.workers),
        "--worker-class", "gthread",
        "--threads", str(args.threads),
        "--bind", f"127.0.0.1:{port}",
        "--timeout", "60",
        "--graceful-timeout", "10",
        factory,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")


def stop_gunicorn(process: Any) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# -- the people --------------------------------------------------------------------------------


@dataclass
class Results:
    """What every visitor saw, gathered under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # timeouts, resets: outcome unknown
    acked: set[str] = field(default_factory=set)  # markers of posts answered 303
    refused: dict[str, int] = field(default_factory=dict)  # marker -> status (429, 409, ...)
    unknown: set[str] = field(default_factory=set)  # markers of posts with no answer

    def record(self, kind: str, status: int, seconds: float, where: str) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {where}")


class Visitor:
    """One person with their own cookies, like one browser."""

    def __init__(self, base: str, email: str, results: Results) -> None:
        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.email = email
        self.results = results
        self.rng = random.Random(email)

    def request(self, kind: str, method: str, path: str, **kw: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            with self.results.lock:
                self.results.failures.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            return None
        self.results.record(kind, response.status_code, time.perf_counter() - started, path)
        return response

    def login(self) -> None:
        page = self.request("login page", "GET", "/login")
        assert page is not None and page.status_code == 200, page
        token = TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
        answer = self.request(
            "login",
            "POST",
            "/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token},
        )
        assert answer is not None and answer.status_code == 302, (self.email, answer)

    def post_text(self, kind: str, path: str, field: str, page_html: str, extra: dict) -> None:
        """Post a text with a fresh marker; remember what the server answered."""
        match = TOKEN.search(page_html)
        if match is None:
            return
        marker = uuid.uuid4().hex
        text = f"{self.rng.choice(PHRASES)} [m:{marker}]"
        response = self.request(
            kind, "POST", path, data={field: text, "csrf_token": match.group(1), **extra}
        )
        with self.results.lock:
            if response is None:
                self.results.unknown.add(marker)
            elif response.status_code == 303:
                self.results.acked.add(marker)
            else:
                self.results.refused[marker] = response.status_code


PHRASES = [
    "Hello, where is my parcel?",
    "Could you change the delivery address?",
    "Thanks, that helps a lot.",
    "The grinder makes a strange noise.",
    "We shipped it this morning.",
    "A refund is on its way.",
    "Can I add a second bag of beans?",
]


def customer_loop(visitor: Visitor, orders: list[int], stop: threading.Event) -> None:
    visitor.login()
    while not stop.is_set():
        order = visitor.rng.choice(orders)
        page = visitor.request(
            "customer order page", "GET", f"/account/orders/{order}?tab=messages"
        )
        if page is None or page.status_code != 200:
            continue
        roll = visitor.rng.random()
        if roll < 0.55:
            visitor.post_text(
                "customer post",
                f"/order-messages/orders/{order}/messages",
                "body",
                page.text,
                {"next": f"/account/orders/{order}?tab=messages"},
            )
        elif roll < 0.58:
            visitor.post_text(
                "customer dispute",
                f"/order-messages/orders/{order}/dispute/open",
                "reason",
                page.text,
                {},
            )
        elif roll < 0.80:
            visitor.request("customer order list", "GET", "/account/orders")
        else:
            visitor.request("counts api", "GET", "/order-messages/api/counts")


ROW_LINK = re.compile(r'<tr class="om-row[^"]*"[^>]*data-href="/admin/orders/(\d+)')


def staff_loop(visitor: Visitor, stop: threading.Event) -> None:
    visitor.login()
    while not stop.is_set():
        roll = visitor.rng.random()
        listing = visitor.request(
            "staff messages list",
            "GET",
            "/order-messages/admin/messages",
            params={"filter": "unread"} if roll < 0.7 else {},
        )
        if listing is None or listing.status_code != 200:
            continue
        rows = ROW_LINK.findall(listing.text)
        if not rows:
            visitor.request("counts api", "GET", "/order-messages/api/counts")
            time.sleep(0.05)
            continue
        order = visitor.rng.choice(rows[:10])
        page = visitor.request("staff order page", "GET", f"/admin/orders/{order}?tab=messages")
        if page is None or page.status_code != 200:
            continue
        roll = visitor.rng.random()
        if roll < 0.6:
            visitor.post_text(
                "staff reply",
                f"/order-messages/admin/orders/{order}/messages",
                "body",
                page.text,
                {"next": f"/admin/orders/{order}?tab=messages"},
            )
        elif roll < 0.7 and "Close dispute" in page.text:
            token = TOKEN.search(page.text)
            if token:
                visitor.request(
                    "staff close dispute",
                    "POST",
                    f"/order-messages/admin/orders/{order}/dispute/close",
                    data={"csrf_token": token.group(1)},
                )
        elif roll < 0.8:
            token = TOKEN.search(page.text)
            if token:
                visitor.request(
                    "staff mark unread",
                    "POST",
                    f"/order-messages/admin/orders/{order}/unread",
                    data={"csrf_token": token.group(1)},
                )
        else:
            visitor.request("counts api", "GET", "/order-messages/api/counts")


def run_load(
    args: argparse.Namespace, base: str, people: dict[str, Any]
) -> tuple[Results, float, dict[str, Visitor]]:
    results = Results()
    stop = threading.Event()
    visitors: dict[str, Visitor] = {}
    threads = []
    for email in people["customers"]:
        visitors[email] = Visitor(base, email, results)
        threads.append(
            threading.Thread(
                target=_guarded,
                args=(customer_loop, results, visitors[email], people["orders"][email], stop),
            )
        )
    for email in people["staff"]:
        visitors[email] = Visitor(base, email, results)
        threads.append(
            threading.Thread(target=_guarded, args=(staff_loop, results, visitors[email], stop))
        )
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return results, time.monotonic() - started, visitors


def _guarded(loop: Any, results: Results, *args: Any) -> None:
    try:
        loop(*args)
    except Exception as exc:  # noqa: BLE001 - a visitor that crashed is a failed run
        with results.lock:
            results.failures.append(f"visitor crashed: {type(exc).__name__}: {exc}")


# -- the checks --------------------------------------------------------------------------------


def recount(config: dict[str, Any], visitors: dict[str, Visitor], people: dict[str, Any]):
    """Check the tables against what the visitors were told, and every count against a
    recount in plain Python.  Returns (figures, problems)."""
    import sqlalchemy as sa

    from example_shop.app import create_app
    from example_shop.messaging import order_messages
    from example_shop.models import Order, User, db
    from flask_order_messages import services
    from flask_order_messages.services.bell import BELL_MAX

    problems: list[str] = []
    app = create_app(config)
    with app.test_request_context("/"):
        m = order_messages.models
        messages = db.session.execute(
            sa.select(m.Message.id, m.Message.thread_id, m.Message.author_id, m.Message.kind,
                      m.Message.body)
        ).all()  # fmt: skip
        threads = {t.id: t for t in db.session.execute(sa.select(m.Thread)).scalars()}
        pointers = {
            (p.user_id, p.thread_id): p.last_read_id
            for p in db.session.execute(sa.select(m.ReadPointer)).scalars()
        }
        outbox = Counter(db.session.execute(sa.select(m.MailOutbox.message_id)).scalars())
        open_disputes = {
            d.thread_id
            for d in db.session.execute(
                sa.select(m.Dispute).where(m.Dispute.open_thread_id.is_not(None))
            ).scalars()
        }
        users = {u.email: u for u in db.session.execute(sa.select(User)).scalars()}
        staff_ids = {users[e].id for e in people["staff"]}
        owner_of = dict(db.session.execute(sa.select(Order.id, Order.customer_id)).all())

        stored = Counter(mk for *_, body in messages for mk in MARKER.findall(body))
        by_thread: dict[int, list[Any]] = defaultdict(list)
        for row in messages:
            by_thread[row.thread_id].append(row)
        for thread in threads.values():
            rows = by_thread.get(thread.id, [])
            if thread.message_count != len(rows):
                problems.append(f"thread {thread.id}: count {thread.message_count} != {len(rows)}")
            newest = max((r.id for r in rows), default=None)
            if thread.last_message_id != newest:
                problems.append(f"thread {thread.id}: last {thread.last_message_id} != {newest}")
        for row in messages:
            if row.kind == "note":
                continue
            wanted = len(staff_ids) if row.author_id not in staff_ids else 1
            if outbox[row.id] != wanted:
                problems.append(f"message {row.id}: {outbox[row.id]} outbox rows, not {wanted}")

        def unread_threads(user_id: int, staff: bool) -> int:
            n = 0
            for thread in threads.values():
                if not staff and owner_of[thread.order_id] != user_id:
                    continue
                last = pointers.get((user_id, thread.id), 0)
                if any(
                    r.id > last and r.author_id != user_id and (staff or r.kind != "note")
                    for r in by_thread.get(thread.id, [])
                ):
                    n += 1
            return n

        def disputes(user_id: int, staff: bool) -> int:
            return sum(
                1 for tid in open_disputes if staff or owner_of[threads[tid].order_id] == user_id
            )

        checked = 0
        for email, visitor in visitors.items():
            user = users[email]
            staff = user.id in staff_ids
            # The bell counts each number up to BELL_MAX + 1 ("99+").
            expected = {
                "unread_threads": min(unread_threads(user.id, staff), BELL_MAX + 1),
                "open_disputes": min(disputes(user.id, staff), BELL_MAX + 1),
            }
            actor = services.staff_actor(user) if staff else services.customer_actor(user)
            # Only the counts recomputed here (the bell may carry more).
            from_services = {k: services.bell_counts(actor).get(k) for k in expected}
            answer = visitor.client.get("/order-messages/api/counts").json()
            over_http = {k: answer.get(k) for k in expected}
            checked += 1
            if from_services != expected or over_http != expected:
                problems.append(
                    f"{email}: recount {expected}, services {from_services}, http {over_http}"
                )
    return {"stored": stored, "messages": len(messages), "threads": len(threads),
            "people_checked": checked}, problems  # fmt: skip


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = "RAM unknown"
    system = f"{platform.platform()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} CPUs ({cpu}), {memory}, {system}"


def database_version(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SELECT version()")).scalar()).split(" on ")[0]
    finally:
        engine.dispose()


# -- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (max 100)")
    parser.add_argument("--customers", type=int, default=48)
    parser.add_argument("--orders", type=int, default=3, help="orders per customer")
    parser.add_argument("--staff", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument(
        "--rate-limit",
        default="60 per minute",
        help="ORDER_MESSAGES_POST_RATE_LIMIT for the run ('' turns it off)",
    )
    parser.add_argument("--write", type=Path, help="write the figures into this Markdown file")
    args = parser.parse_args()
    if args.duration > 100:
        parser.error("--duration is at most 100 seconds: the run stays bounded")
    if args.database_url.rstrip("/").endswith("/test"):
        parser.error("not the shared 'test' database: give the run a database of its own")

    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    key_prefix = f"om-load-{uuid.uuid4().hex[:8]}"
    config = shop_config(args, key_prefix)
    print(f"Seeding {args.customers} customers x {args.orders} orders, {args.staff} staff ...")
    people = reset_and_seed(args, config)
    port = free_port()
    log = Path("/tmp") / f"om-load-gunicorn-{port}.log"
    print(f"Starting gunicorn: {args.workers} workers x {args.threads} threads on :{port} ...")
    server = start_gunicorn(args, config, port, log)
    try:
        print(f"Load: {len(people['customers'])} customers + {len(people['staff'])} staff "
              f"for {args.duration:.0f} s ...")  # fmt: skip
        results, elapsed, visitors = run_load(args, f"http://127.0.0.1:{port}", people)
        print("Checking ...")
        figures, problems = recount(config, visitors, people)
    finally:
        stop_gunicorn(server)

    stored = figures["stored"]
    lost = sorted(mk for mk in results.acked if stored[mk] == 0)
    duplicated = sorted(mk for mk, n in stored.items() if n > 1)
    refused_but_stored = sorted(mk for mk in results.refused if stored[mk])
    foreign = sorted(mk for mk in stored if mk not in results.acked | results.unknown)
    foreign = [mk for mk in foreign if mk not in results.refused]
    if lost:
        problems.append(f"{len(lost)} acknowledged posts lost, e.g. {lost[:3]}")
    if duplicated:
        problems.append(f"{len(duplicated)} posts stored more than once, e.g. {duplicated[:3]}")
    if refused_but_stored:
        problems.append(f"{len(refused_but_stored)} refused posts were stored anyway")
    if foreign:
        problems.append(f"{len(foreign)} stored markers nobody posted")
    if results.server_errors:
        problems.append(f"{len(results.server_errors)} server errors: {results.server_errors[:5]}")
    if results.failures:
        problems.append(
            f"{len(results.failures)} requests without an answer: {results.failures[:5]}"
        )

    all_latencies = [s for values in results.latencies.values() for s in values]
    total = sum(results.statuses.values())
    people_count = len(people["customers"]) + len(people["staff"])
    refused = Counter(results.refused.values())
    summary = {
        "requests": total,
        "concurrency": people_count,
        "duration": elapsed,
        "throughput": total / elapsed,
        "p50": percentile(all_latencies, 50) * 1000,
        "p95": percentile(all_latencies, 95) * 1000,
        "acked": len(results.acked),
        "refused": dict(refused),
        "unknown": len(results.unknown),
        "lost": len(lost),
        "duplicates": len(duplicated),
        "server_errors": len(results.server_errors),
        "no_answer": len(results.failures),
        "load_before": load_before,
        "load_after": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    print_report(args, summary, results, figures, problems)
    if args.write:
        write_report(args, summary, results, figures, problems)
    return 1 if problems else 0


def kinds_table(results: Results) -> list[str]:
    lines = ["| request | count | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 50) * 1000:.0f} "
            f"| {percentile(values, 95) * 1000:.0f} |"
        )
    return lines


def print_report(args, summary, results, figures, problems) -> None:
    print(
        f"\n{summary['requests']} requests in {summary['duration']:.1f} s "
        f"({summary['throughput']:.0f}/s) by {summary['concurrency']} concurrent visitors; "
        f"p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms"
    )
    print(f"statuses: {dict(sorted(results.statuses.items()))}")
    print(
        f"posts acknowledged {summary['acked']}, refused {summary['refused']}, "
        f"unanswered {summary['unknown']}; lost {summary['lost']}, "
        f"duplicates {summary['duplicates']}; 5xx {summary['server_errors']}"
    )
    print(f"messages stored {figures['messages']} in {figures['threads']} threads; "
          f"counts checked for {figures['people_checked']} people")  # fmt: skip
    print("\n".join(kinds_table(results)))
    print("\nOK: nothing lost, nothing doubled, every count right, no 5xx." if not problems
          else "\nPROBLEMS:\n  " + "\n  ".join(problems))  # fmt: skip


def write_report(args, summary, results, figures, problems) -> None:
    command = "python bench/http_load.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    database = database_version(args.database_url)
    lines = [
        "# Reliability",
        "",
        "Figures from the load run (`bench/http_load.py`): the example shop under gunicorn on",
        "PostgreSQL, customers and staff posting and reading at once over HTTP on 127.0.0.1, then",
        "every acknowledged post looked up in the database, and every count recomputed from the",
        "tables. Not part of `make test`; rerun it with the command below.",
        "",
        "## Latest run",
        "",
        f"- Date: {today}",
        f"- Machine: {machine()}; load average {summary['load_before']} before the run, "
        f"{summary['load_after']} after (the machine is shared: other work ran beside it)",
        f"- Database: {database}, `{args.database_url.split('@')[-1]}`",
        f"- Server: gunicorn, {args.workers} workers x {args.threads} threads (gthread); "
        f"posting rate limit `{args.rate_limit or 'off'}` counted in "
        f"`{shop_config(args, '')['ORDER_MESSAGES_RATE_LIMIT_STORAGE']}`",
        f"- Command: `{command}`",
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests | {summary['requests']} |",
        f"| concurrency (visitors at once) | {summary['concurrency']} "
        f"({args.customers} customers, {args.staff} staff) |",
        f"| duration | {summary['duration']:.1f} s |",
        f"| throughput | {summary['throughput']:.0f} requests/s |",
        f"| latency p50 / p95 | {summary['p50']:.0f} ms / {summary['p95']:.0f} ms |",
        f"| posts acknowledged (303) | {summary['acked']} |",
        f"| posts refused (status: count) | {summary['refused'] or 'none'} |",
        f"| posts without an answer | {summary['unknown']} |",
        f"| errors (5xx) | {summary['server_errors']} |",
        f"| requests without an answer | {summary['no_answer']} |",
        f"| lost (acknowledged, not stored) | {summary['lost']} |",
        f"| duplicates (stored twice) | {summary['duplicates']} |",
        f"| messages stored / threads | {figures['messages']} / {figures['threads']} |",
        f"| bell counts checked (HTTP and services vs recount) | {figures['people_checked']} "
        f"people |",
        f"| result | {'OK' if not problems else 'FAILED: ' + '; '.join(problems)} |",
        "",
        "Per kind of request:",
        "",
        *kinds_table(results),
        "",
        "## What the run checks",
        "",
        "- Every post carries a unique marker. Each one answered 303 is stored exactly once;",
        "  none answered 429 (rate limit) or 409 (a dispute already open) is stored at all.",
        "- No request got a 5xx, and none went unanswered.",
        "- Every thread's `message_count` and `last_message_id` match its messages; every",
        "  message has its outbox rows (one per staff member for customers' words, one for the",
        "  customer for staff's).",
        "- For every person, the bell's counts over HTTP (`/order-messages/api/counts`) and from",
        "  the services equal a recount in plain Python from the messages, read pointers and",
        "  disputes tables.",
        "",
        "## Faults (tests, in `make test`)",
        "",
        "- `tests/test_faults.py`: the connection drops at each statement of a post and at the",
        "  commit (and, on PostgreSQL and MariaDB, the server really kills the connection):",
        "  a 503 page in words that keeps the text, nothing half-saved, the next request works.",
        "  A drop during COMMIT itself is the one ambiguous case any database has: the server",
        "  may have committed before the line went; the page then says nothing was saved while",
        "  the message is there, whole (never half), and a resend shows it twice.",
        "- Mail server down: the post goes through, the mail waits in the outbox",
        "  (`tests/test_mail_faults.py`, `tests/test_faults.py`).",
        "",
    ]
    args.write.parent.mkdir(parents=True, exist_ok=True)
    args.write.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nWrote {args.write}")


if __name__ == "__main__":
    raise SystemExit(main())
