"""Mail delivery through RQ workers on Redis (``ORDER_MESSAGES_MAIL_DELIVERY = "rq"``).

The outbox row is committed before anything is enqueued, so a Redis outage loses nothing:
the mail waits in the outbox and ``flask order-messages send-mail`` delivers it later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from .extension import current_settings

log = logging.getLogger(__name__)


def _queue() -> Any:
    from redis import Redis
    from rq import Queue

    redis = Redis.from_url(current_settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    return Queue(current_settings.rq_queue, connection=redis)


def enqueue(outbox_ids: Iterable[int]) -> int:
    """Enqueue one delivery job per outbox id.  Returns how many were enqueued; on a Redis
    failure it logs and returns what it managed (the rest stays pending in the outbox)."""
    done = 0
    try:
        queue = _queue()
        for outbox_id in outbox_ids:
            queue.enqueue(deliver_job, outbox_id, job_timeout=120)
            done += 1
    except Exception as exc:  # noqa: BLE001 - Redis down: the outbox keeps the mail
        log.warning("order-messages: could not enqueue mail (%s); it stays in the outbox", exc)
    return done


def deliver_job(outbox_id: int) -> bool:
    """The RQ job.  Runs inside the app context of ``flask order-messages worker``."""
    from .mail import deliver

    return deliver(outbox_id)


def run_worker(*, burst: bool = False) -> None:
    """Run an RQ worker in this process, inside the current app context."""
    from rq import SimpleWorker

    queue = _queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)
