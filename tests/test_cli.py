"""``flask order-messages ...``: what an operator types and reads."""

from __future__ import annotations

import inspect
import sys

import pytest
from click.testing import CliRunner

from . import committing as services
from . import smtp_server

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app


@pytest.fixture
def app_config():
    return {"ORDER_MESSAGES_MAIL_DELIVERY": "off"}  # posts only fill the outbox


# Click before 8.2 mixes stderr into the output unless told not to (8.2 has no such option).
_SEPARATE_STDERR = (
    {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
)


def run(app, *args: str, separate_stderr: bool = False):
    """``flask order-messages ARGS``; ``output`` has both streams, and with ``separate_stderr``
    ``stdout`` and ``stderr`` have each its own."""
    runner = app.test_cli_runner(**(_SEPARATE_STDERR if separate_stderr else {}))
    return runner.invoke(args=["order-messages", *args])


def test_the_commands_are_listed(app):
    result = app.test_cli_runner().invoke(args=["order-messages", "--help"])
    assert result.exit_code == 0
    for command in ("send-mail", "mail-status", "worker"):
        assert command in result.output


def test_mail_status_on_an_empty_outbox(app):
    result = run(app, "mail-status")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "pending  0",
        "sending  0",
        "sent     0",
        "failed   0",
        "inbound: posted 0, ignored 0, duplicate 0, refused 0, deferred 0",
    ]


def test_send_mail_sends_what_is_pending_and_reports_it(
    app, smtp, order, staff, staff2, as_customer
):
    services.post_message(order, as_customer, "For cron")
    assert "pending  2" in run(app, "mail-status").output
    result = run(app, "send-mail")
    assert result.exit_code == 0
    assert result.output.strip() == (
        "sent 2, failed 0, left to another sender 0; pending 0, given up 0"
    )
    assert len(smtp.received) == 2
    assert run(app, "send-mail").output.startswith("sent 0, failed 0")
    assert len(smtp.received) == 2
    assert "sent     2" in run(app, "mail-status").output


@pytest.mark.parametrize("smtp_running", [False])
def test_send_mail_with_the_server_down_says_what_to_check(app, smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Nobody home")
    result = run(app, "send-mail", separate_stderr=True)
    assert result.exit_code == 0  # cron keeps running; the mail waits
    assert "sent 0, failed 1" in result.stdout
    assert "pending 1" in result.stdout
    assert "Connection refused" in result.stderr or "ConnectionRefused" in result.stderr
    assert "MAIL_SERVER" in result.stderr and "retried" in result.stderr

    status = run(app, "mail-status").output
    assert "pending  1" in status
    assert "last error: ConnectionRefusedError" in status
    assert "next retry: " in status and " UTC" in status

    smtp.start()
    assert "sent 1" in run(app, "send-mail", "--now").output
    assert len(smtp.received) == 1


def test_the_worker_without_redis_is_a_message_not_a_traceback(tmp_path, smtp):
    port = smtp_server.free_port()
    with smtp_server.running_app(
        tmp_path, smtp.port, ORDER_MESSAGES_REDIS_URL=f"redis://127.0.0.1:{port}/0"
    ) as host:
        result = run(host, "worker", "--burst")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Cannot run the worker" in result.output
    assert "ORDER_MESSAGES_REDIS_URL" in result.output


def test_the_worker_without_the_queue_extra_says_how_to_install_it(app, monkeypatch):
    # A plain ``pip install flask-order-messages`` has no RQ (it is the ``[queue]`` extra).
    monkeypatch.setitem(sys.modules, "rq", None)
    result = run(app, "worker", "--burst")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "pip install 'flask-order-messages[queue]'" in result.output
    assert "Is Redis running" not in result.output
