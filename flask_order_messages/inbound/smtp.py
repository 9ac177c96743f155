"""``flask order-messages receive-mail``: an SMTP or LMTP server (aiosmtpd) that the host's
mail server hands the reply domain to.

It takes ``RCPT TO`` addresses at the reply domain only (others: ``550``), mails up to
:func:`.pipeline.max_mail_bytes` (larger: ``552``, said in ``EHLO``'s ``SIZE``), and hands each
to :func:`.pipeline.receive` in a worker thread (the event loop keeps serving other
connections meanwhile).  ``250`` once the mail is recorded -- whatever became of it: a refused
reply is recorded and perhaps answered, never bounced -- and ``451`` when it could not be
handled now (database down, the sender over the rate limit), so the sending server tries
again later.  Over LMTP each recipient gets its own status line, as LMTP wants.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from .pipeline import InboundOutcome, max_mail_bytes, receive_in

log = logging.getLogger("flask_order_messages.inbound")

ACCEPTED = "250 2.0.0 OK: recorded"
NOT_HERE = "550 5.1.1 Not a reply address of this shop"
TRY_LATER = "451 4.3.0 Cannot take this mail now, please try again later"


class InboundHandler:
    """aiosmtpd handler: reply-domain recipients only, each mail to the pipeline."""

    def __init__(self, app: Any, *, lmtp: bool = False, reply_domain: str) -> None:
        self.app = app
        self.via = "lmtp" if lmtp else "smtp"
        self.reply_domain = reply_domain.lower()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        domain = address.rpartition("@")[2].strip().lower()
        if domain != self.reply_domain:
            return NOT_HERE
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content or b"")
        mail_from = envelope.mail_from
        recipients = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(None, self._receive, raw, mail_from, recipients)
            status = TRY_LATER if outcome.temporary else ACCEPTED
        except Exception:  # noqa: BLE001 - never lose a mail to a bug: the sender retries
            log.exception("order-messages: inbound %s mail failed", self.via)
            status = TRY_LATER
        if self.via == "lmtp":
            return "\r\n".join([status] * max(1, len(recipients)))
        return status

    def _receive(self, raw: bytes, mail_from: str | None, recipients: list[str]) -> InboundOutcome:
        # "<>" (a bounce) reaches the handler as an empty MAIL FROM.
        return receive_in(
            self.app, raw, via=self.via, envelope_from=mail_from or "", recipients=recipients
        )


class InboundController(Controller):
    """aiosmtpd's threaded controller, serving SMTP or LMTP with our size limit."""

    def __init__(self, handler: InboundHandler, *, host: str, port: int, size: int) -> None:
        super().__init__(handler, hostname=host, port=port, data_size_limit=size)
        self.lmtp = handler.via == "lmtp"

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)


def make_controller(app: Any, *, host: str, port: int, lmtp: bool = False) -> InboundController:
    """A controller for ``app``'s reply domain, not started (``start()``/``stop()``)."""
    with app.app_context():
        from ..state import current_settings

        domain = getattr(current_settings, "reply_domain", None)
        size = max_mail_bytes()
    if not domain:
        raise RuntimeError(
            "Replies by mail are off: set ORDER_MESSAGES_REPLY_DOMAIN to the domain the mail "
            "server hands to receive-mail."
        )
    handler = InboundHandler(app, lmtp=lmtp, reply_domain=domain)
    return InboundController(handler, host=host, port=port, size=size)


def serve(app: Any, *, host: str, port: int, lmtp: bool = False) -> None:
    """Run the server until SIGTERM or SIGINT (from the main thread: ``receive-mail``)."""
    controller = make_controller(app, host=host, port=port, lmtp=lmtp)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    controller.start()
    log.info("order-messages: receiving mail by %s on %s:%s", controller.handler.via, host, port)
    try:
        while not stop.wait(1):
            pass
    finally:
        controller.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
