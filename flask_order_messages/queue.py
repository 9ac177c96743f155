"""Mail delivery through RQ workers on Redis (``ORDER_MESSAGES_MAIL_DELIVERY = "rq"``).

The outbox row is committed before anything is enqueued, so a Redis outage loses nothing:
the mail waits in the outbox and ``flask order-messages send-mail`` delivers it later.  A job
only carries the outbox id; the worker claims the row like any other sender, so a job that
runs while cron is sending the same mail does not send it twice.

Run the worker with ``flask order-messages worker``: it is an RQ ``SimpleWorker`` inside the
app context, which the jobs need (a bare ``rq worker`` knows nothing of the Flask app).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable
from typing import Any

from flask import has_app_context

from .state import current_settings

log = logging.getLogger(__name__)


def get_queue() -> Any:
    """The RQ queue named by ``ORDER_MESSAGES_RQ_QUEUE`` on ``ORDER_MESSAGES_REDIS_URL``.

    Short socket timeouts: a web request that enqueues must not hang on a Redis that is down.
    (RQ's worker raises the read timeout above its own blocking wait by itself.)
    """
    from redis import Redis
    from rq import Queue

    redis = Redis.from_url(current_settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    return Queue(current_settings.rq_queue, connection=redis)


def enqueue(outbox_ids: Iterable[int], *, job: Any = None) -> int:
    """Enqueue one delivery job per outbox id (``job``: :func:`deliver_job`, a mail's, or
    :func:`deliver_webhook_job`).  Returns how many were enqueued; on a Redis failure it logs
    and returns what it managed (the rest stays pending in its outbox)."""
    done = 0
    try:
        queue = get_queue()
        for outbox_id in outbox_ids:
            queue.enqueue(job or deliver_job, outbox_id, job_timeout=120, result_ttl=3600)
            done += 1
    except Exception as exc:  # noqa: BLE001 - Redis down: the outbox keeps the mail
        log.warning("order-messages: could not enqueue (%s); it stays in the outbox", exc)
    return done


def _app_context_needed() -> None:
    if not has_app_context():
        raise RuntimeError(
            "order-messages jobs need the Flask app: run the worker with "
            "'flask order-messages worker', not a bare 'rq worker'."
        )


def deliver_job(outbox_id: int) -> str:
    """The RQ job: deliver one outbox mail.  Needs the app context that
    ``flask order-messages worker`` provides."""
    _app_context_needed()
    from .mail import deliver_status

    return deliver_status(outbox_id)


def deliver_webhook_job(delivery_id: int) -> str:
    """The RQ job: deliver one webhook (claimed like any other deliverer's)."""
    _app_context_needed()
    from .webhooks.delivery import deliver_status

    return deliver_status(delivery_id)


def run_worker(*, burst: bool = False) -> bool:
    """Run an RQ worker in this process, inside the current app context.  With ``burst`` it
    returns once the queue is empty.  Returns whether it ran any job."""
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        def subscribe(self) -> None:
            """No command channel: a burst run stops by itself when the queue is empty.
            (Its pubsub thread waits up to 60 s for a subscription; RQ 3 with redis-py 8.2
            stops it by waiting for that thread, so a short run could take a minute.)"""

    queue = get_queue()
    worker = (BurstWorker if burst else SimpleWorker)([queue], connection=queue.connection)
    in_main = threading.current_thread() is threading.main_thread()
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)} if in_main else {}
    try:
        return bool(worker.work(burst=burst))
    finally:
        # RQ installs its own stop handlers; leave the process as we found it.
        for signum, handler in saved.items():
            signal.signal(signum, handler)
