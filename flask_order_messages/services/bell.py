"""The numbers the bell shows: those of :func:`.reading.bell_counts` (unread threads, open and
overdue disputes) and, for staff while response targets are on, the threads whose reply is
overdue (``overdue_replies``), with the accessible label that says them all.

``bell_counts`` itself is left as it was (read state's); the replies overdue are one more
statement (a range of the index on the threads' due time, see
:func:`.targets.overdue_reply_count_stmt`), asked only while targets are on.  The bell is
polled, so it counts at most :data:`BELL_MAX` + 1 of them and shows more as "99+": the
statement reads at most that many index entries, whatever the backlog.
"""

from __future__ import annotations

from typing import Any

from ..i18n import gettext, ngettext
from ..state import current_settings
from . import reading
from .common import Actor, customer_scope, session
from .targets import overdue_reply_count_stmt

#: The most replies overdue the bell shows as a number; more are "99+" (``_bell.html`` and
#: the live script say it so too).
BELL_MAX = 99


def bell_numbers(
    actor: Actor, *, unread_threads: int | None = None, refresh: bool = False
) -> dict[str, int]:
    """The bell's numbers for ``actor``: :func:`.reading.bell_counts` (same arguments) and,
    for staff while response targets are on, ``overdue_replies`` (at most
    ``BELL_MAX + 1``, which means "more than ``BELL_MAX``")."""
    counts = reading.bell_counts(actor, unread_threads=unread_threads, refresh=refresh)
    if actor.is_staff and current_settings.targets.enabled:
        counts["overdue_replies"] = overdue_reply_count(actor, at_most=BELL_MAX + 1)
    return counts


def overdue_reply_count(actor: Actor | None = None, *, at_most: int | None = None) -> int:
    """Threads whose reply is overdue, as the Messages list's "Reply overdue" view finds them
    for ``actor`` (the threads they may see; None: every thread), counted up to ``at_most``
    when given; 0 while targets are off, without a statement."""
    scope = customer_scope(actor) if actor is not None else None
    stmt = overdue_reply_count_stmt(at_most=at_most, scope=scope)
    return int(session().execute(stmt).scalar() or 0) if stmt is not None else 0


def bell_label(counts: dict[str, Any]) -> str:
    """The bell's accessible name for :func:`bell_numbers`: "Messages: 2 unread, 1 open
    dispute, 3 replies overdue" (the replies said while any is overdue, as the bell shows
    them).  The page draws it and the counts endpoint sends it, so both say the same."""
    label = reading.bell_label(counts)
    overdue = int(counts.get("overdue_replies") or 0)
    if not overdue:
        return label
    if overdue > BELL_MAX:
        return gettext(
            "%(label)s, more than %(limit)d replies overdue", label=label, limit=BELL_MAX
        )
    return ngettext(
        "%(label)s, %(num)d reply overdue",
        "%(label)s, %(num)d replies overdue",
        overdue,
        label=label,
    )
