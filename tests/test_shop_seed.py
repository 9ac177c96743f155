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


def _login(client: Any, email: str, password: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    client.post("/login", data={"email": email, "password": password, "csrf_token": token[1]})


def test_the_seeded_reply_due_times_follow_the_threads_own_times(tmp_path: Any) -> None:
    """The seed spreads a thread's entries over weeks after posting them: the reply-due times
    follow those times, so a customer's photo from weeks ago is overdue and a question from
    minutes ago is not, nor a "thanks" in a thread closed after it; and the response-time
    page counts replies that came late."""
    with shop_app(tmp_path) as app:
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        client = app.test_client()
        _login(client, "admin@example.com", "admin123")
        overdue = client.get("/order-messages/admin/messages?due=overdue").text
        shown = set(re.findall(r'<a href="[^"]*">#(\d{5})</a>', overdue))
        # Carol's photo of the dented kettle (18 days) is overdue on purpose; Dan's and Erin's
        # "thanks" (weeks old) are closed, so nobody owes them a reply.
        assert "00005" in shown
        assert not {"00014", "00020"} & shown
        assert "00021" not in shown  # Frank wrote minutes ago
        assert "Overdue by " in overdue

        insight = client.get("/order-messages/admin/insight").text
        shares = re.findall(r"(\d+)%</td>\s*<td[^>]*>(\d+) of (\d+)", insight)
        assert shares, "the page shows the replies within target"
        assert any(int(share) < 100 for share, _within, _total in shares), shares
