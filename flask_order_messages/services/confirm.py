"""Confirm before send: a staff reply posted after someone else's newer message or note.

The staff reply form carries the id of the newest entry its writer has seen (``seen_id``: the
page's newest when it was drawn, moved on by the live thread as entries arrive).  When the
reply is posted, :func:`check_newer` runs under the thread's row lock, so of two colleagues
who send at once the second one always sees the first one's reply: if the thread has a
message or a staff-only note by someone else newer than ``seen_id``, nothing is saved and
:class:`~flask_order_messages.errors.NewerEntryError` says who wrote it; the form comes back
with the text kept, the newer entry shown and "Send anyway".  Events (disputes, assignment,
status) never ask.  Off with ``ORDER_MESSAGES_CONFIRM_NEWER_REPLY = False``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..errors import NewerEntryError
from ..i18n import lazy_gettext
from ..model_types import Message, Thread
from ..models import KIND_MESSAGE, KIND_NOTE
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, session

#: What the writer is asked, by the newer entry's kind.
PROMPTS = {
    KIND_MESSAGE: lazy_gettext(
        "A new message from %(name)s arrived while you were writing. Send yours anyway?"
    ),
    KIND_NOTE: lazy_gettext(
        "A new staff-only note from %(name)s arrived while you were writing. Send yours anyway?"
    ),
}
#: Said beside the kept text.
KEPT_HINT = lazy_gettext(
    "Nothing was sent yet: your text is below, to edit first or to send as it is."
)
#: Who wrote it, when the author is unknown or gone.
SOMEONE = lazy_gettext("Someone")


def enabled() -> bool:
    """Whether staff replies are checked (``ORDER_MESSAGES_CONFIRM_NEWER_REPLY``)."""
    return current_settings.presence.confirm_newer_reply


def asks(entry: Message, actor: Actor) -> bool:
    """Whether ``entry``, newer than what ``actor`` has seen, asks them to confirm: a message
    or a plain staff-only note, by someone else (an event never does)."""
    if entry.kind not in PROMPTS or entry.event is not None:
        return False
    return entry.author_id is None or entry.author_id != actor.id


def prompt(entry: Message, name: str) -> str:
    """The question for the writer, naming who wrote ``entry``."""
    return str(PROMPTS[entry.kind]) % {"name": name or str(SOMEONE)}


def newer_entry(thread: Thread | None, actor: Actor, seen_id: int | None) -> Message | None:
    """The newest entry of ``thread`` that asks ``actor`` to confirm a reply written having
    seen up to ``seen_id`` (None: the form carried no id, nothing to check), or None.  No
    query while the thread's newest entry is one the writer has seen.  Called with the
    thread's row lock held (``posting.post_message``)."""
    if seen_id is None or thread is None or not enabled() or not actor.is_staff:
        return None
    if thread.last_message_id is None or thread.last_message_id <= seen_id:
        return None
    m = ext.models.Message
    stmt = (
        sa.select(m)
        .where(
            m.thread_id == thread.id,
            m.id > seen_id,
            m.kind.in_(tuple(PROMPTS)),
            m.event.is_(None),
            sa.or_(m.author_id.is_(None), m.author_id != actor.id),
        )
        .order_by(m.id.desc())
        .limit(1)
        # A locking read sees the newest committed entries, as the thread row read under its
        # lock does; a plain one could read an older snapshot (MariaDB's REPEATABLE READ).
        .with_for_update(read=True)
    )
    found: Message | None = session().execute(stmt).scalar()
    return found


def check_newer(thread: Thread | None, actor: Actor, seen_id: int | None) -> None:
    """Refuse the reply with :class:`NewerEntryError` when :func:`newer_entry` finds one."""
    entry = newer_entry(thread, actor, seen_id)
    if entry is None:
        return
    raise NewerEntryError(prompt(entry, _name_of(entry.author_id)), entry.id)


def _name_of(user_id: Any) -> str:
    """The author's name by the host's ``display_name`` hook."""
    user = session().get(ext.user_model, user_id) if user_id is not None else None
    return ext.hooks.display_name(user) if user is not None else str(SOMEONE)
