"""The document's OpenAPI links: where an answer of one operation names what another takes
(a listed thread's ``order_id`` into the thread's routes, a new canned reply's ``id`` into
its update and delete, a posted message's order into its thread and marks).  Clients and
Schemathesis's stateful tests follow them to chain calls; ``openapi.py`` puts them under
each producer's success answer.  Kept apart from the routes (``registry.py``): a link is
about two routes, and names them by their endpoints (the document's operationIds)."""

from __future__ import annotations

from typing import Any

#: The staff routes that take a thread's order (``/staff/orders/{order_id}...``).
STAFF_ORDER_ROUTES = (
    "api_staff_thread",
    "api_staff_post",
    "api_staff_thread_read",
    "api_staff_thread_unread",
    "api_staff_dispute_open",
    "api_staff_dispute_close",
    "api_staff_dispute_reopen",
    "api_staff_assign",
    "api_staff_status",
)
#: The customer routes that take one of their orders (``/orders/{order_id}...``).
CUSTOMER_ORDER_ROUTES = (
    "api_customer_thread",
    "api_customer_post",
    "api_customer_thread_read",
    "api_customer_thread_unread",
    "api_customer_dispute_open",
    "api_customer_dispute_close",
    "api_customer_dispute_reopen",
)
CANNED_ROUTES = ("api_staff_canned_update", "api_staff_canned_delete")

FIRST_LISTED = "$response.body#/threads/0/order_id"
SAME_ORDER = "$request.path.order_id"
#: producer endpoint: (consumer endpoints, parameter, where the producer's answer has it).
LINKS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "api_staff_threads": (STAFF_ORDER_ROUTES, "order_id", FIRST_LISTED),
    "api_staff_thread": (STAFF_ORDER_ROUTES[1:], "order_id", "$response.body#/order_id"),
    "api_staff_post": (STAFF_ORDER_ROUTES, "order_id", SAME_ORDER),
    "api_customer_threads": (CUSTOMER_ORDER_ROUTES, "order_id", FIRST_LISTED),
    "api_customer_thread": (CUSTOMER_ORDER_ROUTES[1:], "order_id", "$response.body#/order_id"),
    "api_customer_post": (CUSTOMER_ORDER_ROUTES, "order_id", SAME_ORDER),
    "api_staff_canned_create": (CANNED_ROUTES, "reply_id", "$response.body#/id"),
    "api_staff_canned_list": (CANNED_ROUTES, "reply_id", "$response.body#/replies/0/id"),
    "api_staff_canned_update": (CANNED_ROUTES, "reply_id", "$request.path.reply_id"),
}


def _name(endpoint: str) -> str:
    """A link's name: the consumer's operationId in CamelCase (``api_staff_thread_read``:
    ``StaffThreadRead``)."""
    return "".join(part.title() for part in endpoint.removeprefix("api_").split("_"))


def links_of(endpoint: str) -> dict[str, Any]:
    """The Link Objects of operation ``endpoint``'s success answer ({} when it has none)."""
    if endpoint not in LINKS:
        return {}
    consumers, parameter, expression = LINKS[endpoint]
    return {
        _name(consumer): {"operationId": consumer, "parameters": {parameter: expression}}
        for consumer in consumers
    }
