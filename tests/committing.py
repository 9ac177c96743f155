"""The services as a host's own script calls them, for tests that set the scene with them.

The package's services only flush; whoever handled the request commits (see
``flask_order_messages/transactions.py``).  A test that writes through the services acts as
such a host: here each write is a unit of work of its own, committed at once (then its mail
and its signals), or rolled back when it raises.  ``thread_view`` shows a thread the way a page
does: read it, then mark it read (``mark=False``: only read it).  Everything else is the
services module itself.  Tests of the unit of work call ``flask_order_messages.services``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask_order_messages import services as _services
from flask_order_messages.services.thread_view import ThreadState
from flask_order_messages.transactions import commit, rollback

#: The services that write.
WRITES = (
    "assign",
    "assign_threads",
    "close_dispute",
    "expire_disputes",
    "get_or_create_thread",
    "index_order_numbers",
    "mark_read",
    "mark_unread",
    "open_dispute",
    "post_message",
    "reopen_dispute",
    "set_status",
    "set_statuses",
)


def _committing(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            result = write(*args, **kwargs)
        except BaseException:
            rollback()
            raise
        commit()
        return result

    return call


assign = _committing(_services.assign)
assign_threads = _committing(_services.assign_threads)
close_dispute = _committing(_services.close_dispute)
expire_disputes = _committing(_services.expire_disputes)
get_or_create_thread = _committing(_services.get_or_create_thread)
index_order_numbers = _committing(_services.index_order_numbers)
mark_read = _committing(_services.mark_read)
mark_unread = _committing(_services.mark_unread)
open_dispute = _committing(_services.open_dispute)
post_message = _committing(_services.post_message)
reopen_dispute = _committing(_services.reopen_dispute)
set_status = _committing(_services.set_status)
set_statuses = _committing(_services.set_statuses)


def thread_view(
    order: Any, actor: Any, *, mark: bool = True, state: ThreadState | None = None
) -> Any:
    """The thread as a page shows it: read (as it was), then marked read (``mark=True``)."""
    view = _services.thread_view(order, actor, state=state)
    if mark and view.unread and view.thread is not None:
        mark_read(actor, [view.thread.id])
    return view


def __getattr__(name: str) -> Any:
    return getattr(_services, name)
