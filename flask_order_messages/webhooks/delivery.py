"""Delivering the webhook outbox: claim, POST, record -- the mail outbox's way (:mod:`..mail`).

A delivery row is claimed with one conditional UPDATE, committed before the POST, so two
deliverers (the page that wrote the event, ``flask order-messages deliver-webhooks``, an RQ
worker) never send it twice.  A 2xx answer delivers it; ``410 Gone`` turns its endpoint off (as
the Standard Webhooks spec asks); anything else -- another status, a redirect (never
followed), a timeout, a refused connection -- is recorded on the row and retried with
exponential back-off (and a ``Retry-After`` the receiver gave), up to
``ORDER_MESSAGES_WEBHOOK_MAX_ATTEMPTS``, then marked failed.  A deliverer that died holding a
claim loses it when its lease runs out; the row is then sent again with the same
``webhook-id``, which receivers use to drop a repeat.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import after_this_request, has_request_context, request

from ..models import rows_changed, utcnow
from ..state import call_when_sent, current_settings
from ..state import current_order_messages as ext
from ..transactions import WEBHOOK_CLAIM, WEBHOOK_OUTCOME, commit_early, waiting_callbacks
from . import signing, transport
from .disabled import GONE, turned_off

log = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
#: Outcome of a call that found the row held by another deliverer, not due, or gone.
SKIPPED = "skipped"
STATUSES = (PENDING, SENDING, DELIVERED, FAILED)
#: How long (at least) a claimed row belongs to its deliverer.
CLAIM_LEASE = timedelta(minutes=10)
#: Rows handled per batch by :func:`send_pending`.
BATCH = 200
#: The longest wait a ``Retry-After`` may ask for.
MOST_RETRY_AFTER = 24 * 3600
#: Where a request keeps the webhook ids to deliver once its response has gone.
_AFTER_RESPONSE = "flask_order_messages.webhooks_after_response"


class Report(NamedTuple):
    """What one :func:`send_pending` run did."""

    delivered: int
    failed: int
    skipped: int


# -- handing committed deliveries over --------------------------------------------------------


class _Handover:
    """The one callback per unit of work that hands its events' deliveries to delivery."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    def __call__(self) -> None:
        dispatch(self.message_ids)


def after_commit(message_id: str) -> None:
    """Deliver the rows of ``message_id`` (a ``webhook-id``) once the current unit of work is
    committed; never if it is rolled back."""
    from ..transactions import after_commit as run_after_commit

    handover = next((c for c in waiting_callbacks() if isinstance(c, _Handover)), None)
    if handover is None:
        handover = _Handover()
        run_after_commit(handover)
    handover.message_ids.append(message_id)


def dispatch(message_ids: Iterable[str]) -> None:
    """Deliver the committed rows of these events as configured (``WEBHOOK_DELIVERY``): in a
    request once its response has been sent, elsewhere now; "rq": by a worker; "off": by
    ``deliver-webhooks`` only.  Never raises: the rows wait in the outbox."""
    ids = list(message_ids)
    if not ids or current_settings.webhooks.delivery == "off":
        return
    if not has_request_context():
        _deliver_events(ids)
        return
    waiting = request.environ.get(_AFTER_RESPONSE)
    if waiting is None:
        waiting = request.environ[_AFTER_RESPONSE] = []
        after_this_request(_deliver_when_sent)
    waiting.extend(ids)


def _deliver_when_sent(response: Any) -> Any:
    ids = request.environ[_AFTER_RESPONSE]
    return call_when_sent(response, lambda: _deliver_events(ids))


def _deliver_events(message_ids: list[str]) -> None:
    d = ext.models.WebhookDelivery
    try:
        stmt = sa.select(d.id).where(d.webhook_id.in_(message_ids), d.status == PENDING)
        ids = list(ext.db.session.execute(stmt.order_by(d.id)).scalars())
    except Exception:  # noqa: BLE001 - the database is busy: deliver-webhooks sends them
        log.exception("order-messages: webhooks left in the outbox")
        ext.db.session.rollback()
        return
    if current_settings.webhooks.delivery == "rq":
        from ..queue import deliver_webhook_job, enqueue

        enqueue(ids, job=deliver_webhook_job)
        return
    for delivery_id in ids:
        try:
            deliver_status(delivery_id)
        except Exception:  # noqa: BLE001 - e.g. the database is busy: the row stays pending
            log.exception("order-messages: webhook %s left in the outbox", delivery_id)
            ext.db.session.rollback()


# -- one delivery -------------------------------------------------------------------------------


def _due_condition(now: Any) -> Any:
    d, ep = ext.models.WebhookDelivery, ext.models.WebhookEndpoint
    active = sa.select(ep.id).where(ep.active.is_(True))
    return sa.and_(
        d.endpoint_id.in_(active),
        sa.or_(
            sa.and_(d.status == PENDING, d.next_attempt_at <= now),
            sa.and_(d.status == SENDING, d.claimed_until < now),  # its deliverer died
        ),
    )


def _claim(delivery_id: int) -> bool:
    """Take the row for this deliverer: one UPDATE that only one deliverer can win."""
    d = ext.models.WebhookDelivery
    now = utcnow()
    lease = max(CLAIM_LEASE, timedelta(seconds=10 * current_settings.webhooks.timeout))
    result = ext.db.session.execute(
        sa.update(d)
        .where(d.id == delivery_id, _due_condition(now))
        .values(status=SENDING, claimed_until=now + lease, attempts=d.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    commit_early(WEBHOOK_CLAIM)
    return rows_changed(result) == 1


def _record(delivery_id: int, **values: Any) -> None:
    d = ext.models.WebhookDelivery
    ext.db.session.execute(
        sa.update(d)
        .where(d.id == delivery_id)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


def _gone(endpoint_id: int) -> None:
    ep = ext.models.WebhookEndpoint
    values = turned_off(GONE, at=utcnow().replace(microsecond=0).isoformat())
    ext.db.session.execute(
        sa.update(ep)
        .where(ep.id == endpoint_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def retry_delay(attempts: int, retry_after: int | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: the base doubled each
    time, plus up to 10% jitter; at least what a ``Retry-After`` asked (up to a day)."""
    base: float = current_settings.webhooks.retry_base * 2 ** max(0, attempts - 1)
    delay = base * (1 + random.uniform(0, 0.1))  # noqa: S311 - jitter, not a secret
    if retry_after is not None:
        delay = max(delay, float(min(retry_after, MOST_RETRY_AFTER)))
    return delay


def _send(row: Any, endpoint: Any) -> transport.Answer:
    body = row.payload.encode("utf-8")
    secrets = endpoint.signing_secrets(utcnow())
    headers = signing.headers(secrets, row.webhook_id, int(time.time()), body)
    settings = current_settings.webhooks
    return transport.post(
        endpoint.url,
        body,
        headers,
        timeout=settings.timeout,
        allow_private=settings.allow_private,
    )


def deliver_status(delivery_id: int) -> str:
    """Try to deliver one row.  Returns ``"delivered"``, ``"failed"`` (recorded on the row,
    and retried later unless given up) or ``"skipped"``.  A receiver's failure never raises."""
    if not _claim(delivery_id):
        return SKIPPED
    d, ep = ext.models.WebhookDelivery, ext.models.WebhookEndpoint
    found = (
        sa.select(d, ep)
        .join(ep, ep.id == d.endpoint_id)
        .where(d.id == delivery_id)
        .execution_options(populate_existing=True)
    )
    loaded = ext.db.session.execute(found).first()
    if loaded is None:
        return SKIPPED
    row, endpoint = loaded
    try:
        answer = _send(row, endpoint)
    except Exception as exc:  # noqa: BLE001 - any failure of the receiver is recorded
        return _failed(row, None, f"{type(exc).__name__}: {exc}", None)
    if 200 <= answer.status < 300:
        _record(
            row.id,
            status=DELIVERED,
            delivered_at=utcnow(),
            last_status_code=answer.status,
            last_error=None,
        )
        commit_early(WEBHOOK_OUTCOME)
        return DELIVERED
    if answer.status == 410:
        _gone(endpoint.id)
        _record(
            row.id,
            status=FAILED,
            last_status_code=410,
            last_error="410 Gone: the endpoint was turned off.",
        )
        commit_early(WEBHOOK_OUTCOME)
        return FAILED
    return _failed(row, answer.status, f"HTTP {answer.status}", answer.retry_after)


def _failed(row: Any, status_code: int | None, error: str, retry_after: int | None) -> str:
    log.warning("order-messages: webhook %s (%s) failed: %s", row.id, row.event, error)
    final = row.attempts >= current_settings.webhooks.max_attempts
    delay = retry_delay(row.attempts, retry_after)
    _record(
        row.id,
        status=FAILED if final else PENDING,
        last_status_code=status_code,
        last_error=error[:2000],
        next_attempt_at=utcnow() + timedelta(seconds=delay),
    )
    commit_early(WEBHOOK_OUTCOME)
    return FAILED


# -- the outbox as a whole ----------------------------------------------------------------------


def due_ids(*, after: int = 0, limit: int = BATCH) -> list[int]:
    """Ids above ``after`` of rows due now, lowest first."""
    d = ext.models.WebhookDelivery
    stmt = sa.select(d.id).where(d.id > after, _due_condition(utcnow())).order_by(d.id).limit(limit)
    return list(ext.db.session.execute(stmt).scalars())


def make_due_now() -> int:
    """Make every pending row due now.  Returns how many; the caller commits."""
    d = ext.models.WebhookDelivery
    result = ext.db.session.execute(
        sa.update(d)
        .where(d.status == PENDING)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def retry_failed() -> int:
    """Give rows marked failed a fresh set of attempts.  Returns how many; the caller commits."""
    d = ext.models.WebhookDelivery
    result = ext.db.session.execute(
        sa.update(d)
        .where(d.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def send_pending(*, include_not_due: bool = False) -> Report:
    """Deliver every row that is due, in batches, each at most once per run."""
    if include_not_due:
        make_due_now()
    counts = {DELIVERED: 0, FAILED: 0, SKIPPED: 0}
    last = 0
    while batch := due_ids(after=last):
        for delivery_id in batch:
            last = delivery_id
            counts[deliver_status(delivery_id)] += 1
    return Report(counts[DELIVERED], counts[FAILED], counts[SKIPPED])


def status_counts() -> dict[str, int]:
    """Rows per status."""
    d = ext.models.WebhookDelivery
    counts = dict.fromkeys(STATUSES, 0)
    rows = ext.db.session.execute(sa.select(d.status, sa.func.count()).group_by(d.status))
    counts.update({status: n for status, n in rows})
    return counts


def payload_of(row: Any) -> Any:
    """A row's payload, parsed."""
    return json.loads(row.payload)
