"""flask-order-messages: order messaging between store staff and customers for Flask shops."""

from .config import ConfigError
from .errors import (
    DisputeError,
    FeatureOffError,
    MissingHookError,
    OrderMessagesError,
    ValidationError,
)
from .extension import OrderMessages
from .page_reads import mark_thread_read
from .services import Actor, customer_actor, staff_actor
from .state import current_order_messages
from .transactions import commit, unit_of_work

__version__ = "0.1.0"

__all__ = [
    "Actor",
    "ConfigError",
    "DisputeError",
    "FeatureOffError",
    "MissingHookError",
    "OrderMessages",
    "OrderMessagesError",
    "ValidationError",
    "commit",
    "current_order_messages",
    "customer_actor",
    "mark_thread_read",
    "staff_actor",
    "unit_of_work",
]
