"""The demo shop's ``flask seed``: what it says it seeded is what staff then find."""

from __future__ import annotations

import re
from typing import Any

from .shop import shop_app


def test_the_seeded_canned_replies_are_there_for_staff(tmp_path: Any) -> None:
    with shop_app(tmp_path) as app:
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        said = int(re.search(r"(\d+) canned replies", result.output).group(1))
        assert said > 0

        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        client.post(
            "/login",
            data={"email": "admin@example.com", "password": "admin123", "csrf_token": token[1]},
        )
        page = client.get("/order-messages/admin/canned-replies").text
        assert "No canned replies" not in page
        from example_shop.seed import CANNED_REPLIES

        assert len(CANNED_REPLIES) == said
        for title, _body in CANNED_REPLIES:
            assert title in page
