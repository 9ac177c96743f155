"""The rules, as plain functions.  Views, JSON endpoints, the CLI and tests all call these."""

from .common import Actor, clean_body, clean_reason, customer_actor, staff_actor
from .disputes import OUTCOMES, close_dispute, open_dispute, open_dispute_of
from .listing import (
    ORDER_FILTERS,
    THREAD_FILTERS,
    ThreadPage,
    ThreadRow,
    ThreadView,
    customer_unread_summary,
    filter_orders,
    list_threads,
    order_unread_count,
    parse_choice,
    parse_page,
    thread_view,
    unread_by_order,
)
from .posting import get_or_create_thread, get_thread, post_message
from .reading import (
    bell_counts,
    last_read_id,
    mark_read,
    mark_unread,
    open_dispute_count,
    unread_counts,
    unread_thread_count,
)

__all__ = [
    "Actor",
    "OUTCOMES",
    "ORDER_FILTERS",
    "THREAD_FILTERS",
    "ThreadPage",
    "ThreadRow",
    "ThreadView",
    "bell_counts",
    "clean_body",
    "clean_reason",
    "close_dispute",
    "customer_actor",
    "customer_unread_summary",
    "filter_orders",
    "get_or_create_thread",
    "get_thread",
    "last_read_id",
    "list_threads",
    "mark_read",
    "mark_unread",
    "open_dispute",
    "open_dispute_count",
    "open_dispute_of",
    "order_unread_count",
    "parse_choice",
    "parse_page",
    "post_message",
    "staff_actor",
    "thread_view",
    "unread_by_order",
    "unread_counts",
    "unread_thread_count",
]
