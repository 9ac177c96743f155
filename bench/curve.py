"""The cost curve: the same pages at several sizes of the same shop, side by side.

    createdb -h 127.0.0.1 -U postgres bench_100k   # and bench_1m, bench_10m
    python -m bench.load postgresql+psycopg://postgres@127.0.0.1:5432/bench_100k --reset \\
        --orders 10000 --messages 100000 --customers 2000
    python -m bench.load postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m --reset
    python -m bench.load postgresql+psycopg://postgres@127.0.0.1:5432/bench_10m --reset \\
        --orders 1000000 --messages 10000000 --customers 200000
    python -m bench.curve \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_100k \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_10m

Runs ``bench.run`` on each database in turn (the same pages, requests and gunicorn), reads
each database's size (``pg_database_size``) and its load time (``bench/data/load-<db>.json``,
written by ``bench.load``), and writes ``bench/curve.json`` (the figures),
``bench/curve.svg`` (the chart, ``bench/chart.py``) and the table into ``bench/RESULTS.md``
between ``<!-- results:curve -->`` and ``<!-- /results:curve -->``.  The target: each page's
p95 at the largest size within 1.5x of its p95 at the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from . import run
from .chart import write_chart
from .report import ROOT, machine, server_version, write_results

TARGET = 1.5


def database_size(url: str) -> int | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT pg_database_size(current_database())"))
            return int(found.scalar() or 0)
    finally:
        engine.dispose()


def load_facts(url: str) -> dict[str, Any]:
    key = os.path.basename(str(sa.engine.make_url(url).database)).split(".")[0]
    path = os.path.join(ROOT, "bench", "data", f"load-{key}.json")
    if not os.path.exists(path):
        return {}
    with open(path) as found:
        return dict(json.load(found))


def measure_all(args: Any) -> list[dict[str, Any]]:
    """``--rounds`` rounds, each running every database in turn (so that a noisy minute on a
    shared machine falls on every size alike); each page keeps its best (lowest) p95 and p50
    over the rounds, and every round's figures stay in ``rounds``."""
    sizes: list[dict[str, Any]] = []
    for round_ in range(args.rounds):
        for i, url in enumerate(args.urls):
            key = os.path.basename(str(sa.engine.make_url(url).database))
            out = os.path.join(ROOT, "bench", "data", f"curve-{key}-{round_ + 1}.json")
            print(f"== {key}, round {round_ + 1}", file=sys.stderr)
            argv = [url, "--requests", str(args.requests), "--warmup", str(args.warmup)]
            argv += ["--port", str(args.port), "--json", out, "--no-write"]
            if not args.report_only:
                run.main(argv)
            with open(out) as found:
                figures = json.load(found)
            figures["finished"] = (
                f"{datetime.fromtimestamp(os.path.getmtime(out), timezone.utc):%H:%M}"
            )
            if round_ == 0:
                sizes.append(
                    {
                        "database": key,
                        "messages": figures["messages"],
                        "threads": figures["threads"],
                        "size_bytes": database_size(url),
                        "load": load_facts(url),
                        "rounds": [],
                        "pages": {},
                    }
                )
            size = sizes[i]
            size["rounds"].append(figures)
            for name, page in figures["pages"].items():
                best = size["pages"].setdefault(name, dict(page))
                best["p50"] = min(best["p50"], page["p50"])
                best["p95"] = min(best["p95"], page["p95"])
    return sizes


def table(curve: dict[str, Any]) -> str:
    sizes = curve["sizes"]
    small, large = sizes[0], sizes[-1]
    head = " | ".join(f"{s['messages']:,} msgs p95 ms" for s in sizes)
    lines = [
        "### Cost curve (PostgreSQL)",
        "",
        f"{curve['date']} · {curve['server']} · gunicorn 3 sync workers · {curve['requests']} "
        f"requests per page after {curve['warmup']} warm-up, one at a time · "
        f"{curve['rounds']} round{'s' if curve['rounds'] > 1 else ''}, each running every "
        "database in turn; each page's best "
        f"p95 over the rounds · load average {curve['load_average'][0]:.1f} at the start, "
        f"{curve['load_average'][1]:.1f} at the end",
        "",
        *(f"Machine: {line}  " for line in curve["machine"]),
        "",
        f"`{curve['command']}`",
        "",
        "![p95 of each page against the number of messages](curve.svg)",
        "",
        f"| page | {head} | p95 {large['database']} / {small['database']} | within {TARGET}×? "
        f"| p50 {large['database']} / {small['database']} |",
        "| --- | " + "---: | " * (len(sizes) + 1) + "--- | ---: |",
    ]
    for name, page in small["pages"].items():
        p95s = [s["pages"][name]["p95"] for s in sizes]
        ratio = p95s[-1] / p95s[0]
        p50 = large["pages"][name]["p50"] / small["pages"][name]["p50"]
        cells = " | ".join(f"{v:.1f}" for v in p95s)
        verdict = "yes" if ratio <= TARGET else "no"
        lines.append(f"| {page['label']} | {cells} | {ratio:.2f}× | {verdict} | {p50:.2f}× |")
    lines += [
        "",
        "| database | messages | threads | load time | size |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        load = s["load"]
        seconds = f"{load['seconds']:.0f} s" if load.get("seconds") else "?"
        size = f"{s['size_bytes'] / 1024**3:.2f} GiB" if s["size_bytes"] else "?"
        lines.append(
            f"| {s['database']} | {s['messages']:,} | {s['threads']:,} | {seconds} | {size} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.curve", description=__doc__.split("\n")[0]
    )
    parser.add_argument("urls", nargs="+", help="databases loaded by bench.load, smallest first")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--rounds", type=int, default=2, help="runs of every database, in turn")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: report the rounds' bench/data/curve-<db>-<round>.json files",
    )
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    sizes = measure_all(args)
    if args.report_only:  # the load averages of the runs themselves
        runs = [r["load"] for s in sizes for r in s["rounds"]]
        load_before, load_after = runs[0][0], runs[-1][1]
    else:
        load_after = os.getloadavg()[0]
    curve = {
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d} "
        + " to ".join([sizes[0]["rounds"][0]["finished"], sizes[-1]["rounds"][-1]["finished"]])
        + " UTC",
        "server": server_version(args.urls[0]),
        "machine": machine(),
        "requests": args.requests,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "load_average": [load_before, load_after],
        "command": "python -m bench.curve " + " ".join(argv if argv is not None else sys.argv[1:]),
        "sizes": sizes,
    }
    text = table(curve)
    print(text)
    if args.no_write:
        return
    with open(os.path.join(ROOT, "bench", "curve.json"), "w") as out:
        json.dump(curve, out, indent=1)
    write_chart(curve, os.path.join(ROOT, "bench", "curve.svg"))
    write_results(text, "curve")


if __name__ == "__main__":
    main()
