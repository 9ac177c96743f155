"""Who else has a thread open: "Ann is viewing", "Bob is replying", for the other staff.

A staff member's page reports where they are with a small POST (a heartbeat) when it opens,
at every poll of the live thread (``ORDER_MESSAGES_POLL_INTERVAL``) and when they start or
stop typing in the reply box; leaving the page says "gone".  Each report rewrites one row per
order and person (:mod:`..models_presence`) with one upsert, so every worker and machine of
the shop sees the same people.  A row counts while its last heartbeat is younger than
:func:`expiry` (a few poll intervals): a page that vanished without a goodbye drops out by
itself, and rows that old are swept by the next goodbye of anyone (:data:`SWEEP_AFTER`).

Only staff report and only staff are shown; nobody is shown to themselves.  Reading presence
never writes (the thread page and the Messages list only read; see :func:`others_on` and
:func:`others_by_thread`, one query each).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ..i18n import gettext, lazy_gettext, ngettext
from ..models import utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, database, session, thread_scope

VIEWING = "viewing"
REPLYING = "replying"
GONE = "gone"
#: What a heartbeat may say.
STATES = (VIEWING, REPLYING, GONE)
#: A row counts until this many poll intervals passed without a heartbeat ...
EXPIRE_AFTER_POLLS = 3
#: ... and for at least this many seconds.
MIN_EXPIRY_SECONDS = 5
#: The reply box counts as "replying" while it holds unsent text and had a keystroke this many
#: seconds ago at most (the page's script decides; the server only takes what it says).
TYPING_SECONDS = 20
#: Rows this old (their page never said "gone") are deleted by the next goodbye.
SWEEP_AFTER = timedelta(hours=1)
#: A person whose user row is gone.
SOMEONE = lazy_gettext("Someone")


@dataclass(frozen=True)
class Present:
    """A colleague on the thread."""

    user_id: Any
    name: str
    state: str


def enabled() -> bool:
    """Whether presence is on (``ORDER_MESSAGES_PRESENCE_ENABLED``, and polling on)."""
    return current_settings.presence.enabled


def expiry() -> timedelta:
    """How long a heartbeat keeps its person on the thread."""
    seconds = EXPIRE_AFTER_POLLS * current_settings.presence.poll_interval
    return timedelta(seconds=max(MIN_EXPIRY_SECONDS, seconds))


def report(order: Any, actor: Actor, state: str) -> None:
    """A heartbeat of ``actor`` (staff) on ``order``'s thread: ``"viewing"`` or
    ``"replying"`` (one upsert), or ``"gone"`` (their row deleted, and every row whose page
    went long ago).  Flushes nothing else; the view commits."""
    if not actor.is_staff:
        raise PermissionError("Only staff report their presence.")
    if state not in STATES:
        raise ValueError(f"unknown presence state {state!r}")
    p = ext.models.Presence
    now = utcnow()
    key = ext.order_key(order)
    if state == GONE:
        # Two statements, each down an index (the key; seen_at), so that on InnoDB neither
        # locks the rows other pages are rewriting.
        session().execute(sa.delete(p).where(p.order_id == key, p.user_id == actor.id))
        session().execute(sa.delete(p).where(p.seen_at < now - SWEEP_AFTER))
        return

    def update(new: Any) -> dict[str, Any]:
        return {"state": new.state, "seen_at": new.seen_at}

    values = {"order_id": key, "user_id": actor.id, "state": state, "seen_at": now}
    session().execute(database().upsert(p, ["order_id", "user_id"], update, values=values))


def _people(rows: Iterable[Any]) -> list[Present]:
    """(user key, state, user or None) rows as people: replying first, then by name."""
    display = ext.hooks.display_name
    people = [
        Present(key, display(user) if user is not None else str(SOMEONE), state)
        for key, state, user in rows
    ]
    return sorted(people, key=lambda x: (x.state != REPLYING, x.name.casefold(), str(x.user_id)))


def _present(actor: Actor) -> tuple[Any, Any, Any]:
    """The presence model, the user join's condition, and "someone else, not expired"."""
    p, user = ext.models.Presence, ext.user_model
    joined = getattr(user, ext.user_pk.key) == p.user_id
    live = sa.and_(p.user_id != actor.id, p.seen_at >= utcnow() - expiry())
    return p, joined, live


def others_on(order: Any, actor: Actor) -> list[Present]:
    """The colleagues of ``actor`` (staff) on ``order``'s thread now: one query; nobody for
    a customer, or while presence is off."""
    if not actor.is_staff or not enabled():
        return []
    p, joined, live = _present(actor)
    stmt = (
        sa.select(p.user_id, p.state, ext.user_model)
        .outerjoin(ext.user_model, joined)
        .where(p.order_id == ext.order_key(order), live)
    )
    return _people(session().execute(stmt).all())


def others_by_thread(actor: Actor, thread_ids: Iterable[int]) -> dict[int, list[Present]]:
    """The colleagues of ``actor`` on each of these threads now, by thread id (threads with
    nobody left out): one query whatever the number of threads; none while presence is off."""
    ids = sorted(set(thread_ids))
    if not actor.is_staff or not enabled() or not ids:
        return {}
    p, joined, live = _present(actor)
    t = ext.models.Thread
    stmt = (
        sa.select(t.id, p.user_id, p.state, ext.user_model)
        .join(t, t.order_id == p.order_id)
        .outerjoin(ext.user_model, joined)
        .where(t.id.in_(ids), live, thread_scope(actor))  # a vendor's staff: their threads
    )
    rows: dict[int, list[Any]] = {}
    for thread_id, *row in session().execute(stmt).all():
        rows.setdefault(thread_id, []).append(row)
    return {thread_id: _people(found) for thread_id, found in rows.items()}


def _names(names: list[str]) -> str:
    """``Ann``, ``Ann and Bob``, ``Ann, Bob and Cy``."""
    if len(names) == 1:
        return names[0]
    return gettext("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def describe(people: list[Present]) -> str:
    """The presence line: "Ann is replying; Bob and Cy are viewing" ("" for nobody)."""
    replying = [x.name for x in people if x.state == REPLYING]
    viewing = [x.name for x in people if x.state == VIEWING]
    parts = []
    if replying:
        parts.append(
            ngettext(
                "%(names)s is replying",
                "%(names)s are replying",
                len(replying),
                names=_names(replying),
            )
        )
    if viewing:
        parts.append(
            ngettext(
                "%(names)s is viewing", "%(names)s are viewing", len(viewing), names=_names(viewing)
            )
        )
    return "; ".join(parts)


def as_json(people: list[Present]) -> dict[str, Any]:
    """What the live page gets: the line, whether someone is replying, and the people."""
    return {
        "text": describe(people),
        "replying": any(x.state == REPLYING for x in people),
        "people": [{"name": x.name, "state": x.state} for x in people],
    }
