"""The demo's mail sink: a local SMTP server (aiosmtpd) that catches every mail the shop sends.

``flask demo`` (what ``make demo`` runs) starts it on 127.0.0.1, port ``DEMO_MAIL_SINK_PORT``
(8025 by default), beside the shop, and points the shop's mail at it: the shop delivers over
real SMTP, so ``flask order-messages mail-status`` says "sent" only for mails the sink really
took.  Each caught mail is a :class:`~.models.DemoMail` row, shown to staff on the
Mailbox (demo) page.  Nothing starts the sink but ``flask demo`` (and tests that ask for it).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from .models import DemoMail, db

log = logging.getLogger("example_shop.mail")

SINK_HOST = "127.0.0.1"
DEFAULT_PORT = 8025
#: The domain of the demo's reply addresses (``reply+<token>@reply.shop.example``).
REPLY_DOMAIN = "reply.shop.example"
#: The largest mail the sink takes (the shop's mails with attachments stay far below it).
MAX_BYTES = 64 * 1024 * 1024

STORED = "250 2.0.0 OK: caught by the demo mail sink"
NOT_STORED = "451 4.3.0 The demo mailbox could not store this mail, try again later"


def demo_mail_config(port: int = DEFAULT_PORT) -> dict[str, Any]:
    """The shop's config for delivering to the sink on ``port``, replies by mail on."""
    return {
        "MAIL_SERVER": SINK_HOST,
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_SUPPRESS_SEND": False,
        "ORDER_MESSAGES_REPLY_DOMAIN": REPLY_DOMAIN,
        "DEMO_MAIL_SINK_PORT": port,
    }


def parse(raw: bytes) -> EmailMessage:
    """A raw mail as an :class:`EmailMessage` (headers decoded on access)."""
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def one_line(value: object, length: int = 255) -> str:
    """A header's decoded text on one line, at most ``length`` characters."""
    return " ".join(str(value or "").split())[:length]


class SinkHandler:
    """aiosmtpd handler: every mail, whoever it is for, becomes a :class:`DemoMail` row."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content or b"")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None, self.store, envelope.mail_from or "", list(envelope.rcpt_tos), raw
            )
        except Exception:  # noqa: BLE001 - the shop keeps the mail and tries again
            log.exception("demo mail sink: a mail could not be stored")
            return NOT_STORED
        return STORED

    def store(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        with self.app.app_context():
            try:
                subject = one_line(parse(raw).get("Subject", ""))
                db.session.add(
                    DemoMail(
                        envelope_from=mail_from[:320],
                        envelope_to=", ".join(rcpt_tos),
                        subject=subject,
                        raw=raw,
                    )
                )
                db.session.commit()
            finally:
                db.session.remove()


def start_sink(app: Flask, port: int = DEFAULT_PORT, host: str = SINK_HOST) -> Controller:
    """Start the sink for ``app`` in a thread of its own; ``stop()`` the controller to end it.
    Raises :class:`OSError` when the port is taken."""
    with socket.socket() as probe:  # at once, where aiosmtpd would wait out its ready_timeout
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        probe.bind((host, port))
    controller = Controller(SinkHandler(app), hostname=host, port=port, data_size_limit=MAX_BYTES)
    try:
        controller.start()
    except BaseException:
        controller.stop(no_assert=True)  # joins the server thread that failed to bind
        controller.loop.close()  # aiosmtpd closes it only after serving
        raise
    log.info("demo mail sink: catching the shop's mail on %s:%s", host, port)
    return controller
