"""Whose read marks: each person's, or the staff's as one team (``ORDER_MESSAGES_READ_STATE``).

The one place for the rule; :mod:`.common`, :mod:`.reading`, :mod:`.floors` and
:mod:`.thread_view` ask here.

- ``"personal"`` (the default): everyone reads for themselves.  Their read pointers and read
  floor are kept under their own user key, and the entries they wrote are never unread to them.
- ``"shared"`` (a team inbox): the staff read as one *reader*, the team.  Their pointers and
  floor are kept under :func:`team_key`, so a thread read by one staff member is read for all,
  and marked unread, it is unread for all.  An entry any staff member wrote -- a reply, a note,
  an event -- is never unread to staff.  Writing does not move the team's pointer (in personal
  mode it moves the writer's): staff entries need no marking, and a customer's message that
  came in while a colleague was typing, or a bulk assignment, must not pass as read for
  everyone.  Only reading moves it: a page that shows the thread, "mark read", the live thread.

Customers always read for themselves, in both modes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..models import STAFF
from ..state import current_order_messages as ext
from ..state import current_settings

if TYPE_CHECKING:
    from .common import Actor

PERSONAL = "personal"
SHARED = "shared"
#: The sizes, in bits, of the integer types that are not 32 bits wide, by their SQL name.
_INT_BITS = {"SMALLINT": 16, "BIGINT": 64, "MEDIUMINT": 24, "TINYINT": 8}


def team_key(user_type: Any) -> Any:
    """The key the team's read marks are kept under, of the host's user key type: a value the
    column holds that no user gets.  UUID keys: the nil UUID (``uuid4()`` never makes it);
    integer keys: the most negative number the column holds (``-2147483648`` for
    ``INTEGER``; the largest for an unsigned MySQL column), which no auto-increment reaches;
    string keys: the empty string.  Raises ``TypeError`` for any other type."""
    while isinstance(user_type, sa.types.TypeDecorator):
        user_type = user_type.impl_instance
    if isinstance(user_type, sa.Uuid):
        return uuid.UUID(int=0) if user_type.as_uuid else str(uuid.UUID(int=0))
    if isinstance(user_type, sa.Integer):
        name = user_type.__visit_name__.upper()
        if isinstance(user_type, (sa.SmallInteger, sa.BigInteger)):
            name = "SMALLINT" if isinstance(user_type, sa.SmallInteger) else "BIGINT"
        bits = _INT_BITS.get(name, 32)
        return 2**bits - 1 if getattr(user_type, "unsigned", False) else -(2 ** (bits - 1))
    if isinstance(user_type, sa.String):
        return ""
    raise TypeError(f"no team key for a user key of type {user_type!r}")


def check(read_state: str, user_type: Any) -> None:
    """At ``init_app``: a shared read state needs a :func:`team_key` of the user key's type;
    else a ``ConfigError`` naming the key."""
    from ..config import PREFIX, ConfigError

    if read_state != SHARED:
        return
    try:
        team_key(user_type)
    except TypeError:
        raise ConfigError(
            f"{PREFIX}READ_STATE = 'shared' needs a user key that is an integer, a string or "
            f"a UUID; this user model's key is {user_type!r}. Use 'personal'."
        ) from None


def host_team_key() -> Any | None:
    """The app's :func:`team_key`, or None when its user key type has none."""
    try:
        return team_key(ext.user_pk.type)
    except TypeError:
        return None


def shares(actor: Actor) -> bool:
    """Whether ``actor`` reads as the team: staff, in shared mode."""
    return actor.is_staff and current_settings.read_state == SHARED


def reader_key(actor: Actor) -> Any:
    """The key ``actor``'s read pointers and read floor are kept under."""
    return host_team_key() if shares(actor) else actor.id


def reader_literal(actor: Actor) -> Any:
    """:func:`reader_key` as a SQL literal of the user key's type (an INSERT ... SELECT's)."""
    return sa.literal(reader_key(actor), type_=ext.user_pk.type)


def others_entry(actor: Actor, author_id: Any, author_role: Any) -> Any:
    """SQL condition on an entry's author columns: written by someone else than the reader,
    so it can be unread to them.  Personal: not by the actor; shared: not by staff."""
    if shares(actor):
        return author_role != STAFF
    return sa.or_(author_id.is_(None), author_id != actor.id)


def newest_by_others(actor: Actor) -> Any:
    """SQL condition on a Thread: its newest entry is known to be someone else's, by the
    columns the thread keeps (``last_author_id``, ``last_author_role``).  False where they
    cannot tell (never set); the caller then asks the messages."""
    t = ext.models.Thread
    if shares(actor):
        return sa.and_(t.last_author_role.is_not(None), t.last_author_role != STAFF)
    return sa.and_(t.last_author_id.is_not(None), t.last_author_id != actor.id)


def is_others_entry(actor: Actor, entry: Any) -> bool:
    """:func:`others_entry` for a loaded entry."""
    if shares(actor):
        return bool(entry.author_role != STAFF)
    return entry.author_id is None or entry.author_id != actor.id


def writing_reads(actor: Actor) -> bool:
    """Whether an entry the actor writes moves their pointer to it (see the module doc)."""
    return actor.id is not None and not shares(actor)
