"""Mail through RQ on the real Redis at 127.0.0.1:6379, and what happens when Redis is down."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError

from flask_order_messages import mail, queue
from flask_order_messages.extension import current_order_messages as ext

from . import smtp_server
from .conftest import db
from .smtp_server import free_port

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


if not _redis_up():
    if os.environ.get("CI"):
        raise RuntimeError(f"The RQ tests need Redis at {REDIS_URL} (CI starts it).")
    pytest.skip(f"Redis is not running at {REDIS_URL}", allow_module_level=True)


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A queue of this test's own, removed afterwards, so parallel runs never cross-talk."""
    name = f"order-messages-test-{uuid.uuid4().hex}"
    yield name
    from rq import Queue

    Queue(name, connection=Redis.from_url(REDIS_URL)).delete(delete_jobs=True)


@pytest.fixture
def app_config(queue_name: str) -> dict[str, Any]:
    return {
        "ORDER_MESSAGES_MAIL_DELIVERY": "rq",
        "ORDER_MESSAGES_REDIS_URL": REDIS_URL,
        "ORDER_MESSAGES_RQ_QUEUE": queue_name,
    }


def rows():
    box = ext.models.MailOutbox
    db.session.commit()  # a fresh transaction sees what other senders committed
    return list(db.session.execute(sa.select(box).order_by(box.id)).scalars())


def run(app, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["order-messages", *args])


def test_posting_enqueues_and_a_burst_worker_delivers(
    app, smtp, order, customer, staff, staff2, browser
):
    response = browser.login(customer).post(
        f"/order-messages/orders/{order.id}/messages", {"body": "Queued, not sent in the request"}
    )
    assert response.status_code == 303
    assert smtp.received == []  # the request only enqueued
    assert queue.get_queue().count == 2  # one job per staff recipient
    assert [(r.status, r.attempts) for r in rows()] == [("pending", 0), ("pending", 0)]

    result = run(app, "worker", "--burst")
    assert result.exit_code == 0, result.output

    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == sorted(
        [staff.email, staff2.email]
    )
    assert all("Queued, not sent in the request" in m.text for m in smtp.received)
    assert {(r.status, r.attempts) for r in rows()} == {("sent", 1)}
    assert queue.get_queue().count == 0


def test_a_job_for_a_mail_cron_already_sent_does_nothing(app, smtp, order, staff, as_customer):
    from . import committing as services

    services.post_message(order, as_customer, "Sent by whoever comes first")
    assert mail.send_pending().sent == 1  # cron got there before the worker
    assert queue.run_worker(burst=True) is True  # the job ran ...
    assert len(smtp.received) == 1  # ... and sent nothing again
    assert queue.get_queue().count == 0


def test_the_worker_retries_nothing_itself_but_records_the_failure(
    app, smtp, order, staff, as_customer
):
    from . import committing as services

    smtp.stop()
    services.post_message(order, as_customer, "Server down when the worker runs")
    queue.run_worker(burst=True)
    (row,) = rows()
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    smtp.start()
    assert mail.send_pending(include_not_due=True).sent == 1
    assert len(smtp.received) == 1


REDIS_DOWN = {
    "ORDER_MESSAGES_MAIL_DELIVERY": "rq",
    "ORDER_MESSAGES_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nobody listens
}


@pytest.mark.parametrize("app_config", [REDIS_DOWN])
def test_redis_down_loses_nothing(app, smtp, order, customer, staff, browser):
    browser.login(customer)
    for n in range(3):
        response = browser.post(
            f"/order-messages/orders/{order.id}/messages", {"body": f"Redis is down {n}"}
        )
        assert response.status_code == 303  # the post succeeds all the same
    assert db.session.execute(sa.select(sa.func.count(ext.models.Message.id))).scalar_one() == 3
    assert [(r.status, r.attempts) for r in rows()] == [("pending", 0)] * 3
    assert smtp.received == []

    worker = run(app, "worker", "--burst")
    assert worker.exit_code == 1
    assert "Cannot run the worker" in worker.output and "Is Redis running" in worker.output

    result = run(app, "send-mail")  # cron delivers what the queue never got
    assert "sent 3, failed 0" in result.output
    assert sorted(m.text.split("\n\n")[1] for m in smtp.received) == [
        f"Redis is down {n}" for n in range(3)
    ]


def test_a_job_outside_the_flask_app_says_how_to_run_the_worker():
    with pytest.raises(RuntimeError, match="flask order-messages worker"):
        queue.deliver_job(1)


def test_a_burst_worker_takes_no_commands_so_it_never_waits_for_a_subscription(app, monkeypatch):
    # RQ 3 with redis-py 8.2: stopping a pubsub thread that has not finished subscribing waits
    # out its 60 s poll, so a cron-style `worker --burst` could take a minute to end.
    from redis.client import PubSub

    threads: list[Any] = []
    real = PubSub.run_in_thread

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        threads.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PubSub, "run_in_thread", recording)
    with app.app_context():
        assert queue.run_worker(burst=True) is False  # an empty queue: nothing to do
    assert threads == []
