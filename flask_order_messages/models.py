"""The extension's tables, built in the host's own metadata.

The classes are made by :func:`build_models` when the extension is constructed, because two
things about them come from the host: the ``db`` whose metadata holds their tables (so
``db.create_all()`` and Flask-Migrate see them) and the type of the host's order primary key,
which the ``order_id`` foreign key copies (integer, string or UUID alike).  The idea is
Flask-Security's ``fsqla``: the foreign key is built from names the host gave first.

They do not subclass the host's ``db.Model``.  A shop's ``model_class`` may add an ``id`` key,
timestamps, ``extend_existing`` or a check constraint to every model it maps; on our tables
that turned a key on ``user_id`` into a two-column key, and the tables came out as the host's
base said rather than as the migrations build them.  So the classes have a declarative base
of their own over the host's metadata: every column and key of theirs is declared here, and
nothing the host's base class adds can reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import model_types as rows
from . import search
from .dialects.types import BigId, DateTime
from .models_access_tokens import build_access_token_model
from .models_canned import CannedOwner, owner_rules
from .models_drafts import build_draft_model
from .models_inbound import build_inbound_model
from .models_mail import build_reply_address_model
from .models_presence import build_presence_model
from .models_questions import question_columns, question_rules
from .models_targets import MessageTargetColumns, ThreadTargetColumns
from .models_team import team_inbox_columns, team_inbox_indexes
from .models_vendors import VendorDispute, VendorThread, vendor_indexes
from .models_webhooks import build_webhook_models

# Roles of an author, and kinds of thread entries.
CUSTOMER = "customer"
STAFF = "staff"
KIND_MESSAGE = "message"
KIND_EVENT = "event"
KIND_NOTE = "note"
EVENT_DISPUTE_OPENED = "dispute_opened"
EVENT_DISPUTE_CLOSED = "dispute_closed"
EVENT_DISPUTE_REOPENED = "dispute_reopened"


def utcnow() -> datetime:
    """Naive UTC now: every database here stores naive UTC, and compares it the same way."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def rows_changed(result: sa.Result[Any]) -> int:
    """How many rows the UPDATE or DELETE that gave ``result`` changed."""
    # Session.execute is typed as returning a plain Result; a DML statement's is a CursorResult.
    return int(cast("sa.CursorResult[Any]", result).rowcount or 0)


def primary_key_column(model: Any, what: str) -> sa.Column[Any]:
    """The single primary-key column of a host model, or a ``TypeError`` that names it."""
    table = getattr(model, "__table__", None)
    if table is None:
        raise TypeError(f"{what} must be a mapped SQLAlchemy model class, got {model!r}.")
    columns: list[sa.Column[Any]] = list(table.primary_key.columns)
    if len(columns) != 1:
        raise TypeError(
            f"{what} {model.__name__} must have exactly one primary-key column, has {len(columns)}."
        )
    return columns[0]


@dataclass(frozen=True)
class Models:
    """The extension's model classes, as built for one host ``db``."""

    Thread: type[rows.Thread]
    ThreadSearch: type[rows.ThreadSearch]
    Message: type[rows.Message]
    ReadPointer: type[rows.ReadPointer]
    ReadFloor: type[rows.ReadFloor]
    ReadFloorThread: type[rows.ReadFloorThread]
    Dispute: type[rows.Dispute]
    MailOutbox: type[rows.MailOutbox]
    Attachment: type[rows.Attachment]
    CannedReply: type[rows.CannedReply]
    Draft: type[rows.Draft]
    ReplyAddress: type[rows.ReplyAddress]
    InboundMail: type[rows.InboundMail]
    Presence: type[rows.Presence]
    WebhookEndpoint: type[rows.WebhookEndpoint]
    WebhookDelivery: type[rows.WebhookDelivery]
    AccessToken: type[rows.AccessToken]


def build_models(db: Any, order_model: Any, user_model: Any, prefix: str) -> Models:
    """Define the extension's tables in ``db``'s metadata and return their classes.

    The tables are exactly the ones declared here, whatever ``db``'s ``model_class`` adds to
    the host's own models (see the module docstring)."""
    order_pk = primary_key_column(order_model, "order_model")
    user_pk = primary_key_column(user_model, "user_model")
    order_table = order_model.__table__
    user_type = user_pk.type
    t_threads = f"{prefix}threads"
    t_messages = f"{prefix}messages"

    class Base(DeclarativeBase):
        """Our own declarative base: the host's metadata, none of its base class."""

        metadata = db.metadata

    # Questions before purchase: question_columns (models_questions.py).
    class Thread(
        ThreadTargetColumns,
        VendorThread,
        team_inbox_columns(user_type),  # type: ignore[misc]
        question_columns(user_type),  # type: ignore[misc]
        Base,
    ):
        """The conversation on one order (or, a question, one product); keeps its newest
        message so lists never scan them."""

        __tablename__ = t_threads
        __table_args__ = (
            sa.UniqueConstraint("order_id", name=f"uq_{prefix}threads_order_id"),
            *question_rules(prefix),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        order_id: Mapped[Any] = mapped_column(
            order_pk.type,
            sa.ForeignKey(
                f"{order_table.fullname}.{order_pk.name}",
                ondelete="CASCADE",
                name=f"fk_{prefix}threads_order_id",
            ),
            nullable=True,  # NULL: a question about a product (0013)
        )
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        last_message_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
        last_message_at: Mapped[datetime | None] = mapped_column(
            DateTime, nullable=True, index=True
        )
        last_author_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        # "staff" or "customer", set with last_author_id (0010): the unread rule's fast path.
        last_author_role: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
        message_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)

        def __repr__(self) -> str:
            return f"<Thread {self.id} order={self.order_id!r}>"

    team_inbox_indexes(Thread, prefix)
    vendor_indexes(Thread, prefix)

    class ThreadSearch(Base):
        """A thread's staff search document: the distinct words of all its entries (notes and
        events too) and of its order number as the pages show it, in ``search_text`` form,
        merged in by posting (see the search package).  Staff keyword search reads one of these
        per thread instead of every message."""

        __tablename__ = f"{prefix}thread_search"
        thread_id: Mapped[int] = mapped_column(
            sa.Integer,
            sa.ForeignKey(f"{t_threads}.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
        search_text: Mapped[str] = mapped_column(search.SearchText, nullable=False, default="")

    class Message(MessageTargetColumns, Base):  # response targets: see models_targets.py
        """One entry of a thread: a customer or staff message, or an event such as a dispute."""

        __tablename__ = t_messages
        __table_args__ = (sa.Index(f"ix_{prefix}messages_thread_id_id", "thread_id", "id"),)
        id: Mapped[int] = mapped_column(BigId, primary_key=True)
        thread_id: Mapped[int] = mapped_column(
            sa.Integer,
            sa.ForeignKey(f"{t_threads}.id", ondelete="CASCADE"),
            nullable=False,
        )
        author_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        author_role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, default=KIND_MESSAGE)
        event: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
        body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
        # An event's parameters (JSON), its words written in the reader's language (event_words).
        event_args: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        # The body's words as keyword search reads them (see the search package), filled on insert.
        search_text: Mapped[str] = mapped_column(
            search.SearchText, nullable=False, default=search.search_text_default
        )
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

        def __repr__(self) -> str:
            return f"<Message {self.id} thread={self.thread_id} {self.author_role}/{self.kind}>"

    class ReadPointer(Base):
        """The last message id one person has read in one thread."""

        __tablename__ = f"{prefix}read_pointers"
        __table_args__ = (
            sa.UniqueConstraint("user_id", "thread_id", name=f"uq_{prefix}read_pointers_user"),
            # Covers the bell and the Messages section: one person's pointers, read from the
            # index alone (without it, their rows are scattered over the whole table).
            sa.Index(f"ix_{prefix}read_pointers_user_read", "user_id", "thread_id", "last_read_id"),
            # The newest change of one person's marks, one probe: the bell's version (0020).
            sa.Index(f"ix_{prefix}read_pointers_user_changed", "user_id", "updated_at"),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        user_id: Mapped[Any] = mapped_column(user_type, nullable=False)
        thread_id: Mapped[int] = mapped_column(
            sa.Integer,
            sa.ForeignKey(f"{t_threads}.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
        last_read_id: Mapped[int] = mapped_column(BigId, nullable=False, default=0)
        updated_at: Mapped[datetime] = mapped_column(
            DateTime, nullable=False, default=utcnow, onupdate=utcnow
        )

    class ReadFloor(Base):
        """One person's read floor: every thread whose newest entry id is at most ``floor_id``
        is read by them, except the threads listed for them in :class:`ReadFloorThread`.  So
        their unread count looks at the threads above the floor and those few, not at every
        thread the shop ever had (see ``services/floors.py``)."""

        __tablename__ = f"{prefix}read_floors"
        user_id: Mapped[Any] = mapped_column(user_type, primary_key=True, autoincrement=False)
        floor_id: Mapped[int] = mapped_column(BigId, nullable=False, default=0)
        updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    class ReadFloorThread(Base):
        """A thread at or below someone's read floor that may still be unread for them."""

        __tablename__ = f"{prefix}read_floor_threads"
        user_id: Mapped[Any] = mapped_column(user_type, primary_key=True, autoincrement=False)
        thread_id: Mapped[int] = mapped_column(
            sa.Integer,
            sa.ForeignKey(f"{t_threads}.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
            index=True,
        )

    class Dispute(VendorDispute, Base):  # overdue mails to the marketplace: models_vendors.py
        """A dispute on a thread.  ``open_thread_id`` equals ``thread_id`` while it is open and
        is NULL once closed; a unique index on it lets the database itself refuse a second open
        dispute (NULLs never collide, on SQLite, PostgreSQL and MariaDB alike)."""

        __tablename__ = f"{prefix}disputes"
        __table_args__ = (
            sa.UniqueConstraint("open_thread_id", name=f"uq_{prefix}disputes_open_thread"),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        thread_id: Mapped[int] = mapped_column(
            sa.Integer,
            sa.ForeignKey(f"{t_threads}.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
        open_thread_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
        opened_by_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        opened_by_role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        opened_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
        closed_by_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        closed_by_role: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
        closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        outcome: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
        note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        # When the store should have answered by (ORDER_MESSAGES_DISPUTE_RESPONSE_HOURS after
        # opening); NULL when respond-by times are off.
        respond_by: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        # The closed dispute this one reopens (its history stays in that row).
        reopened_from_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)

        @property
        def is_open(self) -> bool:
            return self.closed_at is None

    class MailOutbox(Base):
        """A mail to deliver, written in the same transaction as the message it tells about."""

        __tablename__ = f"{prefix}mail_outbox"
        __table_args__ = (sa.Index(f"ix_{prefix}mail_outbox_due", "status", "next_attempt_at"),)
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        message_id: Mapped[int | None] = mapped_column(
            BigId, sa.ForeignKey(f"{t_messages}.id", ondelete="SET NULL"), nullable=True
        )
        recipient: Mapped[str] = mapped_column(sa.String(320), nullable=False)
        subject: Mapped[str] = mapped_column(sa.String(255), nullable=False)
        body_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
        body_html: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
        attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
        last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        next_attempt_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        # Threading (0006): the mail's own Message-ID (kept for retries), the thread's root id
        # it replies to, its Reply-To, and who it is for (role, user key: NULL for an address
        # no user was found for).  NULL on rows written before.
        message_id_header: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
        thread_root: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
        reply_to: Mapped[str | None] = mapped_column(sa.String(320), nullable=True)
        recipient_role: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
        recipient_key: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
        # The language and time zone it was written in (0017; NULL on rows written before).
        locale: Mapped[str | None] = mapped_column(sa.String(35), nullable=True)
        timezone: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)

    class Attachment(Base):
        """A file on a message.  The bytes live in the attachment storage under
        ``storage_key`` (random, never the person's file name); ``filename`` is the cleaned
        name it is shown and downloaded under; ``content_type`` was read from its content."""

        __tablename__ = f"{prefix}attachments"
        __table_args__ = (
            sa.UniqueConstraint("storage_key", name=f"uq_{prefix}attachments_storage_key"),
        )
        id: Mapped[int] = mapped_column(BigId, primary_key=True)
        message_id: Mapped[int] = mapped_column(
            BigId,
            sa.ForeignKey(f"{t_messages}.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
        filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
        storage_key: Mapped[str] = mapped_column(sa.String(64), nullable=False)
        content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
        size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

        @property
        def is_image(self) -> bool:
            return bool(self.content_type.startswith("image/"))

        def __repr__(self) -> str:
            return f"<Attachment {self.id} message={self.message_id} {self.content_type}>"

    class CannedReply(CannedOwner, Base):
        """A reusable answer staff insert into the reply box.  The body may hold the
        placeholders {customer_name}, {order_number} and {staff_name}.  Its owner: the
        marketplace or a vendor (``models_canned.py``)."""

        __tablename__ = f"{prefix}canned_replies"
        __table_args__ = owner_rules(prefix)
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        title: Mapped[str] = mapped_column(sa.String(120), nullable=False)
        body: Mapped[str] = mapped_column(sa.Text, nullable=False)
        created_by_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        updated_at: Mapped[datetime] = mapped_column(
            DateTime, nullable=False, default=utcnow, onupdate=utcnow
        )

        def __repr__(self) -> str:
            return f"<CannedReply {self.id} {self.title!r}>"

    # Read-only: attachments are written by services.attachments, next to their message.
    Message.attachments = relationship(
        Attachment, order_by=Attachment.id, viewonly=True, lazy="select"
    )

    Draft = build_draft_model(Base, order_model, user_model, prefix)
    ReplyAddress = build_reply_address_model(Base, prefix)
    InboundMail = build_inbound_model(Base, user_model, prefix)
    Presence = build_presence_model(Base, order_model, user_model, prefix)
    WebhookEndpoint, WebhookDelivery = build_webhook_models(Base, user_model, prefix)
    AccessToken = build_access_token_model(Base, user_model, prefix)
    messages = cast(sa.Table, Message.__table__)
    search.install_sqlite_events(messages)
    search.install_documents(messages, cast(sa.Table, ThreadSearch.__table__))
    # The classes are local, so the type checker knows them by the shapes in model_types.
    return Models(
        Thread=cast("type[rows.Thread]", Thread),
        ThreadSearch=cast("type[rows.ThreadSearch]", ThreadSearch),
        Message=cast("type[rows.Message]", Message),
        ReadPointer=cast("type[rows.ReadPointer]", ReadPointer),
        ReadFloor=cast("type[rows.ReadFloor]", ReadFloor),
        ReadFloorThread=cast("type[rows.ReadFloorThread]", ReadFloorThread),
        Dispute=cast("type[rows.Dispute]", Dispute),
        MailOutbox=cast("type[rows.MailOutbox]", MailOutbox),
        Attachment=cast("type[rows.Attachment]", Attachment),
        CannedReply=cast("type[rows.CannedReply]", CannedReply),
        Draft=cast("type[rows.Draft]", Draft),
        ReplyAddress=cast("type[rows.ReplyAddress]", ReplyAddress),
        InboundMail=cast("type[rows.InboundMail]", InboundMail),
        Presence=cast("type[rows.Presence]", Presence),
        WebhookEndpoint=cast("type[rows.WebhookEndpoint]", WebhookEndpoint),
        WebhookDelivery=cast("type[rows.WebhookDelivery]", WebhookDelivery),
        AccessToken=cast("type[rows.AccessToken]", AccessToken),
    )
