"""A gunicorn worker's resident memory over many requests mixed over the pages.

    python -m bench.memory \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m

Starts gunicorn with ONE sync worker (so that every request goes through the same process)
on a database loaded by ``bench.load``, logs in as ``bench.run`` does, and sends
``--requests`` requests one at a time, taking the pages of ``bench.run`` in turn (the
Messages lists, search, page 50, both bells, both 200-message order tabs, staff posting).
Every ``--every`` requests it reads the worker's ``VmRSS`` (and ``VmHWM``, the peak) from
``/proc/<pid>/status``.  The target: the worker's memory after 10,000 requests within 10 %
of where it settled after the first 1,000.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from typing import Any

from .load import absolute
from .report import machine, server_version, write_results
from .run import facts, page_list
from .server import ROOT, start_gunicorn, stop, worker_pids

TARGET = 0.10


def status_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of ``pid`` in KiB."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def sample(args: Any, info: dict[str, Any], pid: int) -> list[tuple[int, dict[str, int]]]:
    pages = page_list(f"http://127.0.0.1:{args.port}", info)
    samples = [(0, status_kib(pid))]
    for i in range(1, args.requests + 1):
        name, _label, client, path, expect, data = pages[i % len(pages)]
        p = path(i) if callable(path) else path
        d = data(i) if callable(data) else data
        status, _headers, _body = client.request(p, d)
        if status != expect:
            raise SystemExit(f"{name}: HTTP {status}, expected {expect}")
        if i % args.every == 0:
            samples.append((i, status_kib(pid)))
            print(
                f"  {i:>6,} requests: VmRSS {samples[-1][1]['VmRSS'] / 1024:.1f} MiB",
                file=sys.stderr,
            )
    return samples


def report(
    args: Any, info: dict[str, Any], samples: list[tuple[int, dict[str, int]]], load: Any
) -> str:
    by_count = dict(samples)
    settled = by_count[args.every]["VmRSS"]
    last = samples[-1][1]["VmRSS"]
    growth = (last - settled) / settled
    lines = [
        "### Memory",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {server_version(args.url)} · "
        f"{info['messages']:,} messages in {info['threads']:,} threads · gunicorn 1 sync worker "
        f"· {args.requests:,} requests one at a time, the pages of `bench.run` in turn · "
        f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end",
        "",
        *(f"Machine: {line}  " for line in machine()),
        "",
        f"`{args.command}`",
        "",
        f"| requests | VmRSS MiB | VmHWM (peak) MiB | vs after {args.every:,} |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for count, kib in samples:
        change = (kib["VmRSS"] - settled) / settled
        lines.append(
            f"| {count:,} | {kib['VmRSS'] / 1024:.1f} | {kib['VmHWM'] / 1024:.1f} | {change:+.1%} |"
        )
    verdict = "yes" if abs(growth) <= TARGET else "no"
    lines += [
        "",
        f"After {samples[-1][0]:,} requests: {last / 1024:.1f} MiB against "
        f"{settled / 1024:.1f} MiB after {args.every:,}: {growth:+.1%} "
        f"(target within {TARGET:.0%}: {verdict}).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory", description=__doc__.split("\n")[0]
    )
    parser.add_argument("url", help="SQLAlchemy URL of a database loaded by python -m bench.load")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000, help="sample every N requests")
    parser.add_argument("--port", type=int, default=8768)
    parser.add_argument("--write", action="store_true", help="into bench/RESULTS.md's markers")
    args = parser.parse_args(argv)
    args.command = "python -m bench.memory " + " ".join(argv if argv is not None else sys.argv[1:])
    args.url = absolute(args.url)
    info = facts(args.url)
    log = os.path.join(ROOT, "bench", "data", "gunicorn-memory.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    server = start_gunicorn(args.url, args.port, 1, log)
    load_before = os.getloadavg()[0]
    try:
        (pid,) = worker_pids(server)
        samples = sample(args, info, pid)
        if worker_pids(server) != [pid]:
            raise SystemExit("the worker was replaced during the run; the figures are void")
    finally:
        stop(server)
    text = report(args, info, samples, (load_before, os.getloadavg()[0]))
    print(text)
    if args.write:
        write_results(text, "memory")


if __name__ == "__main__":
    main()
