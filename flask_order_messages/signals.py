"""Blinker signals.  Every signal is sent with the Flask app as sender, after the commit."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after a message (or staff note) is committed.
#: Keyword arguments: ``message``, ``thread``, ``order``, ``actor``.
message_posted = _signals.signal("message-posted")

#: Sent after a dispute is opened and committed.
#: Keyword arguments: ``dispute``, ``thread``, ``order``, ``actor``.
dispute_opened = _signals.signal("dispute-opened")

#: Sent after a dispute is closed and committed.
#: Keyword arguments: ``dispute``, ``thread``, ``order``, ``actor``.
dispute_closed = _signals.signal("dispute-closed")

#: Sent after a closed dispute is reopened and committed (a new dispute row, linked to the
#: closed one by ``reopened_from_id``).
#: Keyword arguments: ``dispute`` (the new one), ``previous``, ``thread``, ``order``, ``actor``.
dispute_reopened = _signals.signal("dispute-reopened")

#: Sent when a person's read pointer moves (viewing a thread, mark read or unread).
#: Keyword arguments: ``user_id``, ``thread_ids`` (a list), ``read`` (True for read),
#: ``shared`` (True: the staff's shared marks moved, for every staff member).
thread_read = _signals.signal("thread-read")

#: Sent after a thread's assignee changed and was committed (from the thread or in bulk).
#: Keyword arguments: ``thread``, ``order``, ``actor``, ``assignee`` (the user, or None when
#: unassigned), ``previous`` (the previous assignee's key, or None).
thread_assigned = _signals.signal("thread-assigned")

#: Sent after staff set a thread's status by hand and it was committed (the automatic moves
#: with each message send no signal: ``message-posted`` says it).
#: Keyword arguments: ``thread``, ``order``, ``actor``, ``status``, ``previous``.
status_changed = _signals.signal("status-changed")

__all__ = [
    "message_posted",
    "dispute_opened",
    "dispute_closed",
    "dispute_reopened",
    "thread_read",
    "thread_assigned",
    "status_changed",
]
