"""The example shop as gunicorn serves it for the benchmark: ``bench.wsgi:app``.

Reads ``BENCH_DATABASE_URL``.  ``BENCH_SQL_COUNT`` turns on the bench-only instruments
(``X-SQL-Queries`` header, ``/__bench__/bare``); the posting rate limit is off, since the
benchmark posts 200 messages a minute as one person.
"""

from __future__ import annotations

import os

from example_shop.app import create_app

app = create_app(
    {
        "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
        "SECRET_KEY": "bench-secret",
        "BENCH_SQL_COUNT": True,
        "ORDER_MESSAGES_POST_RATE_LIMIT": None,
    }
)
