"""Helpers of the API tests: a client that calls as a session or with a token."""

from __future__ import annotations

from typing import Any

from flask_order_messages import access_tokens
from flask_order_messages.transactions import commit

from .conftest import Browser

API = "/order-messages/api/v1"
PROBLEM = "urn:flask-order-messages:problem:"


def make_token(user: Any, scope: str = "write", days: int | None = None) -> str:
    made = access_tokens.create_token(user, scope=scope, days=days)
    commit()
    return made.secret


class Api:
    """Calls the API as ``browser``'s session (with its CSRF token on writes), or with a
    bearer token when ``token`` is set."""

    def __init__(self, browser: Browser, token: str | None = None) -> None:
        self.browser = browser
        self.token = token

    def _headers(self, write: bool, csrf: bool) -> dict[str, str]:
        if self.token is not None:
            return {"Authorization": f"Bearer {self.token}"}
        return {"X-CSRFToken": self.browser.token()} if write and csrf else {}

    def get(self, path: str, **query: Any) -> Any:
        headers = self._headers(False, False)
        self.browser._fresh_user()
        # Buffered: a file's answer is read and closed at once.
        return self.browser.client.get(
            API + path, query_string=query, headers=headers, buffered=True
        )

    def post(self, path: str, json: Any = None, *, csrf: bool = True, **kw: Any) -> Any:
        headers = self._headers(True, csrf)
        self.browser._fresh_user()
        if json is None and "data" not in kw:
            json = {}
        return self.browser.client.post(API + path, json=json, headers=headers, **kw)


def problem(response: Any, slug: str, status: int) -> dict[str, Any]:
    """The Problem Details body of ``response``, checked to be ``slug`` with ``status``."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == PROBLEM + slug, body
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]
