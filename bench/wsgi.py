"""The example shop as gunicorn serves it for the benchmark: ``bench.wsgi:app``.

Reads ``BENCH_DATABASE_URL`` (and ``BENCH_READ_STATE``, "personal" unless set).
``BENCH_SQL_COUNT`` turns on the bench-only instruments (``X-SQL-Queries`` header,
``/__bench__/bare``); the posting rate limit is off, since the benchmark posts 200 messages a
minute as one person.
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
        # The floor's hand-written queries (queries.py) are those of personal read marks, which
        # RESULTS.md measured; BENCH_READ_STATE=shared serves the shop's own team inbox.
        "ORDER_MESSAGES_READ_STATE": os.environ.get("BENCH_READ_STATE", "personal"),
    }
)
