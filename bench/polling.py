"""Live polling at team scale: many open staff tabs polling the bell, and posting beside them.

    python -m bench.polling \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m --tabs 1000

Starts gunicorn (``bench.wsgi:app``, ``--workers`` sync workers unless ``--worker-class``)
on a database loaded by ``bench.load``; logs in ``--staff`` staff members (the bench shop's
``admin@shop.example`` and ``staff2..N@shop.example``) through the login form; then

1. **idle posting**: ``--posts`` staff replies, one every ``--post-every`` seconds, nothing
   else running;
2. **polling**: ``--tabs`` tabs, spread evenly over the staff members, each polling
   ``/order-messages/api/counts`` every ``--interval`` seconds (the shop's
   ``ORDER_MESSAGES_POLL_INTERVAL``, 10 by default) as the page's script does: ``fetch`` with
   ``cache: "no-cache"``, so the browser sends the last ``ETag`` in ``If-None-Match`` and
   gets a 304 while the counts are the same.  Each tab starts at a random moment of the first
   interval (tabs are opened at different times), then keeps its rhythm.  The first interval
   is the tabs opening (no ETag yet, every answer a 200) and is not counted; the next
   ``--duration`` seconds are measured, with the same posting as in step 1 running beside
   them.

Reports the bell's p50/p95 (as the client saw it, and gunicorn's own request time from its
access log), the share of 304 answers, the posting p50/p95 idle and during the polling, and
the load average.  Bounded: at most ``--tabs`` requests in flight, ``--duration`` at most 300 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from .client import percentile
from .generate import PASSWORD, STAFF_EMAIL
from .load import absolute
from .report import machine, server_version
from .run import PREFIX, facts
from .server import ROOT, start_gunicorn, stop

COUNTS = f"{PREFIX}/api/counts"
LOG_FORMAT = "bench %(m)s %(U)s %(s)s %(D)s"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Seen:
    """What the tabs and the poster saw."""

    bell: list[float] = field(default_factory=list)  # ms, measured window only
    statuses: Counter[int] = field(default_factory=Counter)
    opening: Counter[int] = field(default_factory=Counter)  # first interval's statuses
    errors: list[str] = field(default_factory=list)
    late: list[float] = field(default_factory=list)  # how late each poll left (ms)


def staff_email(n: int) -> str:
    return STAFF_EMAIL if n == 1 else f"staff{n}@shop.example"


async def login(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    token = TOKEN.search(page.text)
    assert token, "no CSRF token on the login page"
    answer = await client.post(
        "/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    )
    if answer.status_code != 302:
        raise SystemExit(f"Could not log in as {email} (HTTP {answer.status_code}).")


async def tab(
    client: httpx.AsyncClient, start: float, offset: float, args: Any, stop_at: float, seen: Seen
) -> None:
    """One open page: a poll at ``start + offset``, then every ``interval`` (``setInterval``)."""
    etag: str | None = None
    k = 0
    while True:
        due = start + offset + k * args.interval
        if due >= stop_at:
            return
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        headers = {"Accept": "application/json", "Cache-Control": "no-cache"}
        if etag:
            headers["If-None-Match"] = etag
        began = time.perf_counter()
        try:
            answer = await client.get(COUNTS, headers=headers)
        except httpx.HTTPError as exc:
            seen.errors.append(f"{type(exc).__name__}: {exc}")
            k += 1
            continue
        spent = (time.perf_counter() - began) * 1000
        if answer.status_code == 200:
            etag = answer.headers.get("ETag")
        if due < start + args.interval:
            seen.opening[answer.status_code] += 1
        else:
            seen.bell.append(spent)
            seen.statuses[answer.status_code] += 1
            seen.late.append((began - due) * 1000)
        k += 1


async def poster(client: httpx.AsyncClient, info: dict[str, Any], args: Any, n: int) -> list[float]:
    """``n`` staff replies, one every ``--post-every`` seconds; their times in ms."""
    targets = info["targets"]
    page = await client.get(f"/admin/orders/{targets[0]}?tab=messages")
    token = TOKEN.search(page.text)
    action = re.search(r'<form class="om-reply" method="post" action="([^"]+)"', page.text)
    assert token and action, "no reply form on the admin order page"
    path = action.group(1).replace(str(targets[0]), "{order}")
    times = []
    start = time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i * args.post_every - time.perf_counter()))
        began = time.perf_counter()
        answer = await client.post(
            path.format(order=targets[i % len(targets)]),
            data={"csrf_token": token.group(1), "body": f"Polling bench reply {i}."},
        )
        times.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 303:
            raise SystemExit(f"posting answered {answer.status_code}")
    return times


def server_times(log: str, offset: int) -> dict[str, list[float]]:
    """gunicorn's request times (ms) from its access log after ``offset``, by kind."""
    found: dict[str, list[float]] = {"bell": [], "post": []}
    with open(log, "rb") as lines:
        lines.seek(offset)
        for raw in lines:
            parts = raw.decode(errors="replace").split()
            if len(parts) != 5 or parts[0] != "bench":
                continue
            _b, method, path, _status, micros = parts
            if path == COUNTS:
                found["bell"].append(int(micros) / 1000)
            elif method == "POST":
                found["post"].append(int(micros) / 1000)
    return found


async def run(args: Any, info: dict[str, Any], log: str) -> dict[str, Any]:
    base = f"http://127.0.0.1:{args.port}"
    limits = httpx.Limits(max_connections=args.tabs, max_keepalive_connections=args.tabs)
    clients = [
        httpx.AsyncClient(base_url=base, limits=limits, timeout=60, follow_redirects=False)
        for _ in range(args.staff)
    ]
    post_client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
    try:
        for n, client in enumerate(clients, start=1):
            await login(client, staff_email(n))
        await login(post_client, staff_email(1))
        idle = await poster(post_client, info, args, args.posts)
        offset = os.path.getsize(log)
        seen = Seen()
        rng = random.Random(7)
        start = time.perf_counter()
        stop_at = start + args.interval + args.duration
        load_before = os.getloadavg()
        tabs = [
            tab(clients[i % args.staff], start, rng.uniform(0, args.interval), args, stop_at, seen)
            for i in range(args.tabs)
        ]
        await asyncio.sleep(0)

        async def busy_posting() -> list[float]:
            await asyncio.sleep(args.interval)  # after the tabs have opened
            n = int(args.duration / args.post_every) - 1
            return await poster(post_client, info, args, n)

        *_, during = await asyncio.gather(*tabs, busy_posting())
        load_after = os.getloadavg()
    finally:
        for client in [*clients, post_client]:
            await client.aclose()
    await asyncio.sleep(0.5)  # let gunicorn write the last access log lines
    return {
        "seen": seen,
        "idle": idle,
        "during": during,
        "server": server_times(log, offset),
        "load": (load_before, load_after),
    }


def report(args: Any, info: dict[str, Any], out: dict[str, Any]) -> str:
    seen: Seen = out["seen"]
    polls = sum(seen.statuses.values())
    share = seen.statuses[304] / polls if polls else 0.0
    idle, during, server = out["idle"], out["during"], out["server"]
    idle95, during95 = percentile(idle, 95), percentile(during, 95)
    bell95 = percentile(seen.bell, 95)
    workers = f"{args.workers} {args.worker_class} workers" + (
        f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    load = out["load"]
    lines = [
        "### Live polling",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {server_version(args.url)} · "
        f"{info['messages']:,} messages in {info['threads']:,} threads · gunicorn {workers} · "
        f"{args.tabs:,} tabs over {args.staff} staff members, each polling every "
        f"{args.interval:g} s ({args.tabs / args.interval:.0f} requests/s), {args.duration:g} s "
        f"measured after the tabs opened · a staff reply every {args.post_every:g} s · "
        f"load average {load[0][0]:.1f} before, {load[1][0]:.1f} at the end "
        f"(1/5/15 min at the end: {' / '.join(f'{x:.1f}' for x in load[1])})",
        "",
        *(f"Machine: {line}  " for line in machine()),
        "",
        f"`{args.command}`",
        "",
        "| figure | value | target | met? |",
        "| --- | ---: | ---: | --- |",
        f"| bell polls measured | {polls:,} ({dict(sorted(seen.statuses.items()))}) | | |",
        f"| bell p50 / p95, client side | {percentile(seen.bell, 50):.1f} / {bell95:.1f} ms "
        f"| p95 ≤ 20 ms | {'yes' if bell95 <= 20 else 'no'} |",
        f"| bell p50 / p95, gunicorn's request time | "
        f"{percentile(server['bell'], 50):.1f} / {percentile(server['bell'], 95):.1f} ms | | |",
        f"| bell answers 304 | {share:.1%} | mostly | {'yes' if share > 0.5 else 'no'} |",
        f"| polls leaving late (client's own lag) p95 | {percentile(seen.late, 95):.1f} ms | | |",
        f"| posting p50 / p95 idle ({len(idle)} posts) | {percentile(idle, 50):.1f} / "
        f"{idle95:.1f} ms | | |",
        f"| posting p50 / p95 during the polling ({len(during)} posts) | "
        f"{percentile(during, 50):.1f} / {during95:.1f} ms | ≤ 1.5× idle | "
        f"{during95 / idle95:.2f}×: {'yes' if during95 <= 1.5 * idle95 else 'no'} |",
        f"| errors (no answer) | {len(seen.errors)} | 0 | {'yes' if not seen.errors else 'no'} |",
        "",
        f"While the tabs opened (first {args.interval:g} s, not counted): "
        f"{dict(sorted(seen.opening.items()))}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.polling", description=__doc__.split("\n")[0]
    )
    parser.add_argument("url", help="SQLAlchemy URL of a database loaded by python -m bench.load")
    parser.add_argument("--tabs", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=20, help="staff members the tabs belong to")
    parser.add_argument("--interval", type=float, default=10, help="seconds between polls")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds (≤ 300)")
    parser.add_argument("--posts", type=int, default=60, help="idle posts before the polling")
    parser.add_argument("--post-every", type=float, default=0.5, help="seconds between posts")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--write", action="store_true", help="into bench/RESULTS.md's markers")
    parser.add_argument("--marker", default="polling", help="<!-- results:MARKER --> to write")
    args = parser.parse_args(argv)
    if args.duration > 300 or args.tabs > 5000:
        parser.error("bounded: --duration at most 300 s, --tabs at most 5,000")
    args.command = "python -m bench.polling " + " ".join(argv if argv is not None else sys.argv[1:])
    args.url = absolute(args.url)
    info = facts(args.url)
    log = os.path.join(ROOT, "bench", "data", "gunicorn-polling.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    extra: tuple[str, ...] = ("--access-logformat", LOG_FORMAT, "--worker-class", args.worker_class)
    if args.worker_class == "gthread":
        extra += ("--threads", str(args.threads))
    server = start_gunicorn(args.url, args.port, args.workers, log, extra=extra)
    try:
        out = asyncio.run(run(args, info, log))
    finally:
        stop(server)
    text = report(args, info, out)
    print(text)
    if out["seen"].errors:
        print("errors:", out["seen"].errors[:5], file=sys.stderr)
    if args.write:
        from .report import write_results

        write_results(text, args.marker)


if __name__ == "__main__":
    main()
