"""One path into the thread for mail, whichever receiver got it: ``receive-mail`` (SMTP,
LMTP), ``fetch-mail`` (IMAP) and the HTTP hook all call :func:`receive`.

What :func:`receive` does with one raw mail, in one transaction with the row that records it
(an :class:`~flask_order_messages.models_inbound` ``InboundMail``):

1. parse it (:func:`.parse.parse_mail`); a mail too large to be a reply is refused unread;
2. a mail is handled once: the SHA-256 of its ``Message-ID`` (of its bytes when it has none) is
   written, unique, on the row that decides it, *first*: a second delivery -- later, or at the
   same moment on another connection -- finds it and is recorded as ``"duplicate"``;
3. automatic mail (auto-replies, out-of-office, bounces, bulk) is recorded as ``"ignored"``:
   never posted, never answered;
4. the reply address (envelope recipients first, then To/Cc/Delivered-To...) must be a genuine,
   unexpired one of ours (:mod:`..reply_addresses`), its person still allowed in the thread
   (the order's customer, or a member of staff), and the sender (``From``, the bare address)
   that person: the address the reply address was issued to, or the person's current address
   (the ``user_email`` hook).  Otherwise the mail is ``"refused"``;
5. the person's posting rate limit is the web's (same limit, same counter): over it, the mail
   is ``"deferred"`` -- a temporary failure, so the sending server (or the next ``fetch-mail``)
   delivers it again later;
6. the visible text (:func:`.text.visible_text`: quoted history and signatures removed) is
   posted with :func:`..services.posting.post_message` as that person, exactly as from the web
   form: the same checks, mail and signals after the commit.  An empty text is refused.  Each
   attached file goes through the web form's checks; files that fail are left out (the text is
   still posted) and the row says which and why.

A refused mail -- and a posted one whose files were left out -- gets at most one short reply
(see :mod:`.replies`).  A database that cannot be reached gives ``"deferred"`` with nothing
recorded: the receivers answer with a temporary failure.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ..errors import ValidationError
from ..model_types import InboundMail
from ..models import CUSTOMER, STAFF, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from ..transactions import after_commit, rollback, unit_of_work
from . import replies

log = logging.getLogger("flask_order_messages.inbound")

#: What became of a mail (``InboundMail.outcome``).
POSTED = "posted"
IGNORED = "ignored"
DUPLICATE = "duplicate"
REFUSED = "refused"
DEFERRED = "deferred"
OUTCOMES = (POSTED, IGNORED, DUPLICATE, REFUSED, DEFERRED)
#: The receivers, as ``via`` names them ("demo": the example shop's Mailbox page, which
#: answers a captured mail as a mail client would).
VIAS = ("smtp", "lmtp", "imap", "http", "demo")
#: Errors that mean the database cannot be reached right now (try again later).
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeoutError)
#: Room for the text, headers and quoted history of a mail beside its attachments.
TEXT_ROOM = 2 * 1024 * 1024


@dataclass(frozen=True)
class InboundOutcome:
    """What :func:`receive` did with a mail.  ``temporary``: it was not handled (over the
    rate limit, database down); the receiver answers so that it is delivered again later."""

    outcome: str
    reason: str | None = None
    inbound_id: int | None = None
    message_id: int | None = None

    @property
    def temporary(self) -> bool:
        return self.outcome == DEFERRED


class Refused(Exception):
    """The mail is refused: ``reason`` is recorded, ``explanation`` (if any) is what the one
    short reply to the sender says."""

    def __init__(self, reason: str, explanation: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.explanation = explanation


class Deferred(Exception):
    """The mail cannot be handled now; it should be delivered again later."""


def max_mail_bytes() -> int:
    """The largest mail the receivers take: the room a reply form's request has (twice the
    attachments a message may carry, for their base64) plus :data:`TEXT_ROOM`."""
    settings = current_settings
    files = 2 * settings.max_attachments_total_bytes if settings.attachments_enabled else 0
    return files + TEXT_ROOM


def accepted_key(message_id: str | None, raw: bytes) -> str:
    """What makes two deliveries the same mail: its ``Message-ID``, else its bytes (hashed)."""
    if message_id:
        return hashlib.sha256(b"id:" + message_id.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(b"raw:" + raw).hexdigest()


def receive(
    raw: bytes,
    *,
    via: str,
    envelope_from: str | None = None,
    recipients: Sequence[str] = (),
) -> InboundOutcome:
    """Handle one raw mail (see the module's text) and commit; needs an app context (and a
    request context or ``SERVER_NAME`` for the links in the mail it causes).
    ``envelope_from``: the SMTP ``MAIL FROM`` (``""`` for the null sender ``<>``), if known;
    ``recipients``: the envelope's ``RCPT TO`` addresses, if known."""
    if via not in VIAS:
        raise ValueError(f"via must be one of {', '.join(VIAS)}, got {via!r}")
    try:
        return _receive(bytes(raw), via, envelope_from, list(recipients))
    except DATABASE_DOWN as exc:
        _forget_session()
        log.warning("order-messages: inbound mail deferred, the database is unavailable: %s", exc)
        return InboundOutcome(DEFERRED, "database unavailable")


def receive_in(app: Any, raw: bytes, **kwargs: Any) -> InboundOutcome:
    """:func:`receive` in an app and request context of its own on ``app`` (for receivers
    that run outside a request: the SMTP server's threads, ``fetch-mail``), so with a
    database session of its own, removed afterwards."""
    with app.app_context(), app.test_request_context("/"):
        try:
            return receive(raw, **kwargs)
        finally:
            ext.db.session.remove()


def _forget_session() -> None:
    try:
        rollback()
    except Exception:  # noqa: BLE001 - the connection is gone already; it is discarded
        ext.db.session.remove()


def _receive(
    raw: bytes, via: str, envelope_from: str | None, recipients: list[str]
) -> InboundOutcome:
    from . import parse

    too_large = len(raw) > max_mail_bytes()
    mail = parse.parse_mail(_head(raw) if too_large else raw, envelope_from)
    try:
        with unit_of_work():  # the mail's row and what it caused, committed together
            record = _handle(mail, raw, via, envelope_from, recipients, too_large)
    except IntegrityError:  # the other delivery's key reached the database first
        with unit_of_work():
            record = _duplicate(_record(mail, via, envelope_from, len(raw)))
    return _outcome(record)


def _handle(
    mail: Any,
    raw: bytes,
    via: str,
    envelope_from: str | None,
    recipients: list[str],
    too_large: bool,
) -> InboundMail:
    """Record ``mail`` and decide it, in the caller's unit of work."""
    record = _record(mail, via, envelope_from, len(raw))
    key = accepted_key(mail.message_id, raw)
    if _accepted(key):
        return _duplicate(record)
    record.accepted_key = key
    ext.db.session.add(record)
    ext.db.session.flush()  # takes the key first: a second delivery waits here, then fails
    try:
        if too_large:
            raise Refused("too large", replies.TOO_LARGE)
        if mail.error:
            raise Refused(mail.error)
        if mail.automatic:
            record.outcome, record.reason = IGNORED, _kept(f"automatic: {mail.automatic}")
        else:
            _post(record, mail, recipients)
    except Refused as refusal:
        record.outcome, record.reason = REFUSED, _kept(refusal.reason)
        if refusal.explanation and not mail.automatic:  # never answer a machine
            replies.explain(record, refusal.explanation)
    except Deferred as deferral:
        record.outcome, record.reason, record.accepted_key = DEFERRED, str(deferral), None
    ext.db.session.flush()
    return record


def _outcome(record: InboundMail) -> InboundOutcome:
    log.info(
        "order-messages: inbound mail %s via %s from %s: %s%s",
        record.id,
        record.via,
        record.sender or "?",
        record.outcome,
        f" ({record.reason})" if record.reason else "",
    )
    return InboundOutcome(record.outcome, record.reason, record.id, record.posted_id)


def _head(raw: bytes) -> bytes:
    """The header block of a mail (what a mail too large to read is recorded by)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, _ = raw[: 256 * 1024].partition(sep)
        if found:
            return head + sep
    return b""


def _record(mail: Any, via: str, envelope_from: str | None, size: int) -> InboundMail:
    return ext.models.InboundMail(
        received_at=utcnow(),
        via=via,
        message_id=_kept(mail.message_id, 255) or None,
        envelope_from=None if envelope_from is None else _kept(envelope_from, 320),
        sender=_kept(mail.from_address, 320).lower() or None,
        subject=_kept(mail.subject, 255),
        size=size,
        outcome=DUPLICATE,
    )


def _kept(value: str | None, limit: int = 2000) -> str:
    """``value`` as the record keeps it, for people to read: one line, control characters
    (a NUL, which PostgreSQL refuses in text, or a line break) as spaces, at most ``limit``
    characters.  A mail's headers and envelope are whatever its sender wrote."""
    from .parse import one_line

    return one_line(value or "")[:limit]


def _accepted(key: str) -> bool:
    import sqlalchemy as sa

    box = ext.models.InboundMail
    found = ext.db.session.execute(sa.select(box.id).where(box.accepted_key == key).limit(1))
    return found.first() is not None


def _duplicate(record: InboundMail) -> InboundMail:
    record.outcome, record.reason = DUPLICATE, "already received"
    ext.db.session.add(record)
    return record


def _post(record: InboundMail, mail: Any, recipients: list[str]) -> None:
    """Post the mail's text as the reply address's person, or raise :class:`Refused` /
    :class:`Deferred`."""
    from .. import permissions
    from ..services import customer_actor, post_message, staff_actor

    target = _target(record, mail, recipients)
    order, user = _thread_and_person(record, target)
    if (mail.from_address or "").lower() not in _addresses_of(target, user):
        raise Refused(f"sender mismatch: {mail.from_address or 'no From'}", replies.MISMATCH)
    actor = staff_actor(user) if target.role == STAFF else customer_actor(user)
    record.author_role, record.author_id = actor.role, actor.id
    try:
        permissions.require(actor, permissions.ANSWER)  # as the web form's: staff may answer?
    except permissions.PermissionDenied as exc:
        raise Refused(f"no '{exc.permission}' permission", permissions.MAIL_REFUSED) from None
    if not (mail.text or "").strip():
        raise Refused("empty reply", replies.EMPTY)
    from ..ratelimit import count_post, may_post

    if not may_post(actor.id):
        raise Deferred("over the posting rate limit")
    files, left_out = _acceptable_files(mail.attachments or [])
    try:
        message = post_message(order, actor, mail.text, files=files)
    except ValidationError as exc:
        raise Refused(f"not posted: {exc.message}", exc.message) from None
    record.outcome, record.posted_id = POSTED, message.id
    if left_out:
        record.reason = _kept("files left out: " + " ".join(left_out))
        replies.explain(record, replies.files_left_out(left_out), subject=replies.FILES_SUBJECT)
    after_commit(lambda: count_post(actor.id))


def _target(record: InboundMail, mail: Any, recipients: list[str]) -> Any:
    from ..reply_addresses import (
        ReplyAddressError,
        ReplyAddressExpired,
        find_reply_token,
        parse_reply_address,
    )

    address = find_reply_token(recipients) or find_reply_token(mail.to_addresses or [])
    if address is None:
        raise Refused("no reply address")  # not written to one of ours: no answer either
    record.recipient = _kept(address, 320)
    try:
        return parse_reply_address(address)
    except ReplyAddressExpired:
        raise Refused("expired reply address", replies.EXPIRED) from None
    except ReplyAddressError as exc:
        # Forged or made up: nobody we wrote to, so nobody to explain anything to.
        raise Refused(f"{exc.reason} reply address") from None


def _thread_and_person(record: InboundMail, target: Any) -> tuple[Any, Any]:
    """The order and the user the reply address is for, if they may still write there."""
    thread = ext.db.session.get(ext.models.Thread, target.thread_id)
    order = ext.get_order(thread.order_id) if thread is not None else None
    if thread is None or order is None:
        raise Refused("unknown reply address: the thread is gone")
    record.thread_id = thread.id
    user = _load_user(target.user_key)
    if user is None:
        raise Refused("the person is gone", replies.NOT_ALLOWED)
    if target.role == CUSTOMER and str(ext.order_owner_id(order)) != target.user_key:
        raise Refused("no longer the order's customer", replies.NOT_ALLOWED)
    if target.role == STAFF and not ext.is_staff(user):
        raise Refused("no longer staff", replies.NOT_ALLOWED)
    if target.role == STAFF and not _may_see(thread, user):
        raise Refused("not this vendor's thread", replies.NOT_ALLOWED)
    return order, user


def _may_see(thread: Any, user: Any) -> bool:
    """Marketplaces: whether staff member ``user`` may still write in ``thread`` (a vendor's
    staff: only their vendor's threads, and none while vendors take no part)."""
    from ..services import vendors

    vendor = vendors.staff_vendor(user)
    return vendor is None or (vendors.participates() and thread.vendor_key == vendor)


def _load_user(key: str) -> Any | None:
    """The host user whose key, as text, is ``key``."""
    try:
        python_type: Any = ext.user_pk.type.python_type
    except NotImplementedError:
        python_type = str
    try:
        value = uuid.UUID(key) if python_type is uuid.UUID else python_type(key)
    except (TypeError, ValueError):
        return None
    return ext.db.session.get(ext.user_model, value)


def _addresses_of(target: Any, user: Any) -> set[str]:
    """The addresses a reply from this person may come from (see the README's policy)."""
    found = {target.email.lower()}
    current = ext.hooks.user_email(user)
    if current:
        found.add(current.strip().lower())
    return found


def _acceptable_files(attachments: list[Any]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The attached files that pass the web form's checks, one by one and then together; and
    a sentence for each one left out."""
    from ..services.attachments import check_uploads

    kept: list[tuple[str, bytes]] = []
    left_out: list[str] = []
    for name, data, _content_type in attachments:
        try:
            check_uploads([*kept, (name, data)])
        except ValidationError as exc:
            left_out.append(exc.message)
            continue
        kept.append((name, data))
    return kept, left_out
