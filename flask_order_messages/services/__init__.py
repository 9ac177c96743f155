"""The rules, as plain functions.  Views, JSON endpoints, the CLI and tests all call these."""

from . import assignment, attachments, insight, status, vendors
from .assignment import assign, assign_threads
from .bell import bell_counts, bell_label, bell_numbers, overdue_reply_count
from .common import Actor, clean_body, clean_reason, customer_actor, staff_actor
from .context import CustomerContext, order_context
from .deadlines import expire_disputes
from .disputes import (
    OUTCOME_LABELS,
    OUTCOMES,
    STAFF_OUTCOMES,
    close_dispute,
    open_dispute,
    open_dispute_of,
    outcome_label,
    reopen_dispute,
    reopenable_dispute,
)
from .floors import refresh_if_stale as refresh_read_floor
from .listing import THREAD_FILTERS, ThreadPage, ThreadRow, list_threads
from .order_lists import (
    ORDER_FILTERS,
    UnreadNote,
    customer_orders_url,
    customer_unread_note,
    customer_unread_summary,
    filter_orders,
    unread_by_order,
)
from .posting import get_or_create_thread, get_thread, index_order_numbers, post_message
from .reading import (
    last_read_id,
    mark_read,
    mark_threads,
    mark_unread,
    open_dispute_count,
    overdue_dispute_count,
    unread_counts,
    unread_thread_count,
)
from .status import set_status, set_statuses
from .thread_view import ThreadView, order_unread_count, thread_view

__all__ = [
    "Actor",
    "CustomerContext",
    "order_context",
    "assign",
    "assign_threads",
    "assignment",
    "attachments",
    "insight",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "STAFF_OUTCOMES",
    "ORDER_FILTERS",
    "THREAD_FILTERS",
    "ThreadPage",
    "ThreadRow",
    "ThreadView",
    "UnreadNote",
    "bell_counts",
    "bell_numbers",
    "bell_label",
    "clean_body",
    "clean_reason",
    "close_dispute",
    "customer_actor",
    "customer_orders_url",
    "customer_unread_note",
    "customer_unread_summary",
    "expire_disputes",
    "filter_orders",
    "get_or_create_thread",
    "get_thread",
    "index_order_numbers",
    "last_read_id",
    "list_threads",
    "mark_read",
    "mark_threads",
    "mark_unread",
    "open_dispute",
    "open_dispute_count",
    "open_dispute_of",
    "order_unread_count",
    "outcome_label",
    "overdue_dispute_count",
    "overdue_reply_count",
    "post_message",
    "refresh_read_floor",
    "set_status",
    "set_statuses",
    "status",
    "reopen_dispute",
    "reopenable_dispute",
    "staff_actor",
    "thread_view",
    "unread_by_order",
    "unread_counts",
    "unread_thread_count",
    "vendors",
]
