"""The shop's two layouts: "Skip to main content" first, and a clean "Log in" link."""

from __future__ import annotations

import re
from typing import Any

from .shop import shop_app

FOCUSABLE = re.compile(r"<(a|button|input|select|textarea|summary)\b[^>]*>", re.S)


def _first_focusable(html: str) -> str:
    body = html.split("<body", 1)[1]
    return next(m[0] for m in FOCUSABLE.finditer(body) if 'type="hidden"' not in m[0])


def _login(client: Any, email: str, password: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": password, "csrf_token": token[1]})


def test_skip_to_main_content_comes_first_in_both_layouts(tmp_path: Any) -> None:
    with shop_app(tmp_path) as app:
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        visitor, staff = app.test_client(), app.test_client()
        _login(staff, "admin@example.com", "admin123")
        pages = [
            visitor.get("/").text,
            visitor.get("/login").text,
            staff.get("/admin/orders").text,
            staff.get("/order-messages/admin/messages").text,
        ]
    for html in pages:
        first = _first_focusable(html)
        assert 'class="skip-link"' in first and 'href="#main"' in first, first
        assert len(re.findall(r'<main\b[^>]*\bid="main"', html)) == 1
        assert html.count('id="main"') == 1


def test_the_log_in_link_carries_the_page_without_a_stray_question_mark(tmp_path: Any) -> None:
    with shop_app(tmp_path) as app:
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        client = app.test_client()
        links = {
            path: re.search(r'href="(/login[^"]*)"', client.get(path).text)[1]
            for path in ("/", "/products/1", "/products/1?x=1")
        }
    assert links == {
        "/": "/login?next=/",
        "/products/1": "/login?next=/products/1",
        "/products/1?x=1": "/login?next=/products/1?x%3D1",
    }
