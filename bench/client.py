"""One browser over HTTP for the benchmark (its own cookies, no redirects followed), and the
timing helpers: :func:`measure` a page, :func:`percentile` of the timings."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .generate import PASSWORD


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
