"""gunicorn serving ``bench.wsgi:app`` on the loaded database, started and stopped by the
benchmark commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from .client import Client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_gunicorn(
    url: str, port: int, workers: int, log: str, *, extra: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """gunicorn with ``workers`` sync workers (``extra``: more gunicorn options, e.g. a
    worker class), once it answers ``/__bench__/bare``."""
    env = dict(os.environ, BENCH_DATABASE_URL=url)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [
        gunicorn,
        *extra,
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


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The gunicorn master's worker processes (its children), from ``/proc``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server.pid:
                found.append(int(entry))
    return sorted(found)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
