"""``flask order-messages fetch-mail`` against a real IMAP server: Dovecot, started by the
test (``tests/dovecot.py``).  Mail appended to the inbox is posted and moved to the done
folder; mail that cannot be handled now stays, unseen, for the next run."""

from __future__ import annotations

from typing import Any

import pytest

from . import inbound_support, smtp_server
from .dovecot import PASSWORD, Dovecot, dovecot  # noqa: F401 - a fixture
from .inbound_support import (
    INBOUND_CONFIG,
    customer_reply_address,
    inbound_rows,
    reply_mail,
    thread_messages,
)

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app
people = inbound_support.people


@pytest.fixture
def limit() -> str:
    return "20 per minute"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def app_config(dovecot: Dovecot, limit: str, password: str) -> dict[str, Any]:  # noqa: F811
    return dovecot.config(
        **INBOUND_CONFIG,
        ORDER_MESSAGES_POST_RATE_LIMIT=limit,
        ORDER_MESSAGES_IMAP_PASSWORD=password,
    )


def _fetch(app: Any, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=["order-messages", "fetch-mail", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _folder(dovecot: Dovecot, name: str) -> dict[int, dict[bytes, Any]]:  # noqa: F811
    client: Any = dovecot.client()
    try:
        client.select_folder(name, readonly=True)
        uids = client.search(["ALL"])
        return client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
    finally:
        client.logout()


def test_fetch_mail_posts_what_it_finds_and_moves_it(smtp, people, app, dovecot):  # noqa: F811
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    client: Any = dovecot.client()
    client.append("INBOX", reply_mail(frm=customer.email, to=address, text="Read from IMAP"))
    client.append("INBOX", reply_mail(frm="eve@elsewhere.example", to=address, text="Not me"))
    client.logout()

    result = _fetch(app)

    assert result.exit_code == 0, result.output
    assert "fetched 2 mail(s) (posted 1, refused 1); left for the next run: 0" in result.output
    newest = thread_messages(order)[-1]
    assert (newest.body, newest.author_id) == ("Read from IMAP", customer.id)
    assert [(r.via, r.outcome) for r in inbound_rows()] == [("imap", "posted"), ("imap", "refused")]
    assert _folder(dovecot, "INBOX") == {}
    handled = _folder(dovecot, "Handled")  # made by the first run
    assert len(handled) == 2
    assert all(b"\\Seen" in item[b"FLAGS"] for item in handled.values())
    # Nothing new: a second run reads nothing, posts nothing.
    assert "fetched 0 mail(s)" in _fetch(app).output
    assert len(thread_messages(order)) == 2


@pytest.mark.parametrize("limit", ["1 per minute"])
def test_a_mail_that_cannot_be_handled_now_stays_for_the_next_run(smtp, people, app, dovecot):  # noqa: F811
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    client: Any = dovecot.client()
    client.append("INBOX", reply_mail(frm=customer.email, to=address, text="first"))
    client.append("INBOX", reply_mail(frm=customer.email, to=address, text="second"))
    client.logout()

    result = _fetch(app)

    assert "fetched 1 mail(s) (posted 1); left for the next run: 1" in result.output
    left = _folder(dovecot, "INBOX")
    assert len(left) == 1
    (item,) = left.values()
    assert b"second" in item[b"BODY[]"] and b"\\Seen" not in item[b"FLAGS"]
    assert [m.body for m in thread_messages(order)][1:] == ["first"]


@pytest.mark.parametrize("app_config", [{**INBOUND_CONFIG, "ORDER_MESSAGES_IMAP_HOST": None}])
def test_fetch_mail_says_what_is_missing(app):
    result = app.test_cli_runner().invoke(args=["order-messages", "fetch-mail"])
    assert result.exit_code == 1
    assert "ORDER_MESSAGES_IMAP_HOST" in result.output


@pytest.mark.parametrize("password", ["wrong-password"])
def test_a_wrong_password_is_a_clear_error(app, dovecot):  # noqa: F811
    result = app.test_cli_runner().invoke(args=["order-messages", "fetch-mail"])
    assert result.exit_code == 1
    assert "Cannot log in to 127.0.0.1" in result.output
