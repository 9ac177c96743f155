"""The shape of each model class :func:`.models.build_models` makes, for the type checker.

The real classes are built per host ``db`` inside ``build_models`` (their foreign keys copy the
host's key types), so no module-level class can name them.  ``Models`` declares its fields with
these instead: the same ``Mapped[...]`` attributes, so ``ext.models.Message.id`` is an
``InstrumentedAttribute[int]`` and a loaded message's ``id`` an ``int``.  Nothing here is
mapped or instantiated; keep each in step with its model in ``models.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

#: The type of a host key (its order or user model's primary key: int, str or UUID).
HostKey = Any


class Row:
    """What every model class has: its table, and keyword construction."""

    __table__: ClassVar[sa.Table]

    def __init__(self, **values: Any) -> None: ...


class Thread(Row):
    """The conversation on one order; keeps its newest message so lists never scan them."""

    id: Mapped[int]
    order_id: Mapped[HostKey]
    created_at: Mapped[datetime]
    last_message_id: Mapped[int | None]
    last_message_at: Mapped[datetime | None]
    last_author_id: Mapped[HostKey]
    last_author_role: Mapped[str | None]  # models_reads.py
    message_count: Mapped[int]
    # Team inbox (models_team.py).
    assignee_id: Mapped[HostKey]
    status: Mapped[str]
    status_changed_at: Mapped[datetime | None]
    # Response targets (models_targets.py).
    awaiting_since: Mapped[datetime | None]
    awaiting_first: Mapped[bool | None]
    response_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    # Marketplaces (models_vendors.py).
    vendor_key: Mapped[str | None]
    # Questions before purchase (models_questions.py).
    product_key: Mapped[str | None]
    asker_id: Mapped[HostKey]


class ThreadSearch(Row):
    """A thread's staff search document (see ``models.py`` and ``search.py``)."""

    thread_id: Mapped[int]
    search_text: Mapped[str]


class Message(Row):
    """One entry of a thread: a customer or staff message, or an event such as a dispute."""

    id: Mapped[int]
    thread_id: Mapped[int]
    author_id: Mapped[HostKey]
    author_role: Mapped[str]
    kind: Mapped[str]
    event: Mapped[str | None]
    body: Mapped[str]
    event_args: Mapped[str | None]
    search_text: Mapped[str]
    created_at: Mapped[datetime]
    attachments: Mapped[list[Attachment]]
    # Response targets (models_targets.py).
    answers_since: Mapped[datetime | None]
    answers_first: Mapped[bool | None]
    answers_due_at: Mapped[datetime | None]


class ReadPointer(Row):
    """The last message id one person has read in one thread."""

    id: Mapped[int]
    user_id: Mapped[HostKey]
    thread_id: Mapped[int]
    last_read_id: Mapped[int]
    updated_at: Mapped[datetime]


class ReadFloor(Row):
    """One person's read floor (see ``services/floors.py``)."""

    user_id: Mapped[HostKey]
    floor_id: Mapped[int]
    updated_at: Mapped[datetime]


class ReadFloorThread(Row):
    """A thread at or below someone's read floor that may still be unread for them."""

    user_id: Mapped[HostKey]
    thread_id: Mapped[int]


class Dispute(Row):
    """A dispute on a thread."""

    id: Mapped[int]
    thread_id: Mapped[int]
    open_thread_id: Mapped[int | None]
    opened_by_id: Mapped[HostKey]
    opened_by_role: Mapped[str]
    opened_at: Mapped[datetime]
    reason: Mapped[str]
    closed_by_id: Mapped[HostKey]
    closed_by_role: Mapped[str | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None]
    note: Mapped[str | None]
    respond_by: Mapped[datetime | None]
    reopened_from_id: Mapped[int | None]
    # Marketplaces (models_vendors.py).
    overdue_mailed_at: Mapped[datetime | None]
    is_open: bool  # a property of the model class


class MailOutbox(Row):
    """A mail to deliver, written in the same transaction as the message it tells about."""

    id: Mapped[int]
    message_id: Mapped[int | None]
    recipient: Mapped[str]
    subject: Mapped[str]
    body_text: Mapped[str]
    body_html: Mapped[str | None]
    status: Mapped[str]
    attempts: Mapped[int]
    last_error: Mapped[str | None]
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id_header: Mapped[str | None]
    thread_root: Mapped[str | None]
    reply_to: Mapped[str | None]
    recipient_role: Mapped[str | None]
    recipient_key: Mapped[str | None]


class Attachment(Row):
    """A file on a message."""

    id: Mapped[int]
    message_id: Mapped[int]
    filename: Mapped[str]
    storage_key: Mapped[str]
    content_type: Mapped[str]
    size: Mapped[int]
    created_at: Mapped[datetime]
    is_image: bool  # a property of the model class


class CannedReply(Row):
    """A reusable answer staff insert into the reply box."""

    id: Mapped[int]
    title: Mapped[str]
    body: Mapped[str]
    created_by_id: Mapped[HostKey]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: The vendor whose staff keep it; "" the marketplace's (``models_canned.py``).
    vendor_key: Mapped[str]
    #: A marketplace reply offered to vendors' staff too.
    shared: Mapped[bool]


class Draft(Row):
    """A refused post's text and error, kept for its writer (see ``services/drafts.py``)."""

    id: Mapped[int]
    key: Mapped[str]
    user_id: Mapped[HostKey]
    role: Mapped[str]
    order_id: Mapped[HostKey]
    field: Mapped[str]
    body: Mapped[str]
    error: Mapped[str]
    created_at: Mapped[datetime]


class ReplyAddress(Row):
    """Who a reply address is for (see ``reply_addresses.py``)."""

    id: Mapped[int]
    thread_id: Mapped[int]
    role: Mapped[str]
    user_key: Mapped[str]
    email: Mapped[str]
    created_at: Mapped[datetime]


class InboundMail(Row):
    """One mail that reached a receiver, and what became of it (see ``models_inbound.py``)."""

    id: Mapped[int]
    received_at: Mapped[datetime]
    via: Mapped[str]
    message_id: Mapped[str | None]
    accepted_key: Mapped[str | None]
    envelope_from: Mapped[str | None]
    sender: Mapped[str | None]
    recipient: Mapped[str | None]
    subject: Mapped[str]
    size: Mapped[int]
    outcome: Mapped[str]
    reason: Mapped[str | None]
    thread_id: Mapped[int | None]
    posted_id: Mapped[int | None]
    author_role: Mapped[str | None]
    author_id: Mapped[HostKey]
    replied_at: Mapped[datetime | None]


class Presence(Row):
    """A staff member who has an order's thread open (models_presence.py)."""

    order_id: Mapped[HostKey]
    user_id: Mapped[HostKey]
    state: Mapped[str]
    seen_at: Mapped[datetime]


class WebhookEndpoint(Row):
    """A URL that is told of events (models_webhooks.py)."""

    id: Mapped[int]
    url: Mapped[str]
    description: Mapped[str]
    secret: Mapped[str]
    previous_secret: Mapped[str | None]
    previous_secret_until: Mapped[datetime | None]
    events: Mapped[str]
    active: Mapped[bool]
    disabled_reason: Mapped[str | None]
    disabled_code: Mapped[str | None]
    disabled_args: Mapped[str | None]
    created_by_id: Mapped[HostKey]
    created_at: Mapped[datetime]
    event_list: list[str]  # a property of the model class
    # Methods of the model class: the secrets signing at a time, the grace period's end.
    signing_secrets: Callable[[datetime], list[str]]
    rotating_until: Callable[[datetime], datetime | None]


class WebhookDelivery(Row):
    """One event for one endpoint, and how delivering it went (models_webhooks.py)."""

    id: Mapped[int]
    endpoint_id: Mapped[int]
    event: Mapped[str]
    webhook_id: Mapped[str]
    payload: Mapped[str]
    status: Mapped[str]
    attempts: Mapped[int]
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None]
    delivered_at: Mapped[datetime | None]


class AccessToken(Row):
    """A personal access token of the JSON API (models_access_tokens.py)."""

    id: Mapped[int]
    user_id: Mapped[HostKey]
    name: Mapped[str]
    scope: Mapped[str]
    token_hash: Mapped[str]
    prefix: Mapped[str]
    created_at: Mapped[datetime]
    created_by_id: Mapped[HostKey]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
