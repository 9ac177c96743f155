"""flask-order-messages: order messaging between store staff and customers for Flask shops."""

from .config import ConfigError
from .errors import DisputeError, MissingHookError, OrderMessagesError, ValidationError
from .extension import OrderMessages
from .services import Actor, customer_actor, staff_actor
from .state import current_order_messages

__version__ = "0.1.0"

__all__ = [
    "Actor",
    "ConfigError",
    "DisputeError",
    "MissingHookError",
    "OrderMessages",
    "OrderMessagesError",
    "ValidationError",
    "current_order_messages",
    "customer_actor",
    "staff_actor",
]
