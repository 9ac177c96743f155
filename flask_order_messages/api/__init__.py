"""The JSON API (``/order-messages/api/v1/...``): every action of the pages, for staff and
customers, with the same rules and service calls; an OpenAPI 3.1 document made from the code
(``/order-messages/api/openapi.json``); errors as RFC 9457 Problem Details; the browser's
session or personal access tokens.  See docs/api.md.

- :mod:`.registry`: the routes, declared once; request and response checks.
- :mod:`.schemas`: the pydantic models of queries, bodies and answers.
- :mod:`.auth`: who calls (session or token) and what they may reach.
- :mod:`.staff`, :mod:`.customer`, :mod:`.team`, :mod:`.canned`: the routes.
- :mod:`.openapi`, :mod:`.meta`: the document.  :mod:`.problems`: the errors.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from .problems import ApiProblem, problem_response, wants_problem
from .registry import ENDPOINTS, register

__all__ = [
    "ENDPOINTS",
    "anonymous_request",
    "install",
    "register",
    "token_request",
    "wants_problem",
]


def token_request() -> bool:
    """Whether this request is an API route called with a token (no CSRF: no session)."""
    return request.endpoint in ENDPOINTS and "Authorization" in request.headers


def anonymous_request() -> bool:
    """Whether this request is an API route called with neither a token nor a logged-in
    session: no session to protect from a foreign page, so no CSRF check; the route itself
    answers "unauthenticated" (401), the problem the caller has to solve first."""
    from flask_login import current_user

    return (
        request.endpoint in ENDPOINTS
        and "Authorization" not in request.headers
        and not getattr(current_user, "is_authenticated", False)
    )


def _problem(exc: ApiProblem) -> Any:
    return problem_response(exc.slug, exc.detail, **exc.extra)


def install(bp: Blueprint) -> None:
    """The API's routes and its own error on ``bp``."""
    register(bp)
    bp.register_error_handler(ApiProblem, _problem)
