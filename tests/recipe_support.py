"""What the recipe tests share: their packages (the ``recipes`` extra) and a form's token."""

from __future__ import annotations

import importlib
import os
import re
from typing import Any

import pytest


def require(*modules: str) -> None:
    """Import the recipe's packages, or skip locally / fail in CI (``CI=true``), where the
    Makefile installs them (EXTRAS = dev,recipes)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            message = f"{name} is missing: pip install -e '.[recipes]'"
            if os.environ.get("CI") == "true":
                pytest.fail(message + " In CI these tests must run, never skip.", pytrace=False)
            pytest.skip(message, allow_module_level=True)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client: Any, page_url: str, action: str, **fields: str) -> Any:
    """POST ``fields`` to ``action`` with the token of the form on ``page_url``."""
    token = csrf_token(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **fields})
