"""The benchmark's report: the machine, the database's version, the Markdown table, and where
it is written (``bench/data/results-<database>.md`` and ``bench/RESULTS.md``'s markers)."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from .client import Result, percentile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    if "MariaDB" in str(found):
        return f"MariaDB {str(found).split('-MariaDB')[0]}"
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
